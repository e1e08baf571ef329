import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, stubApi } from '../test/fakeApi';
import { JOB_ID, SEND_EMAIL } from '../test/records';
import { renderWithApi } from '../test/render';
import { SubmitJobForm } from './SubmitJobForm';

afterEach(() => vi.unstubAllGlobals());

function submitRoutes(onSubmit = () => json(202, { job_id: JOB_ID, status: 'queued' })) {
  return stubApi({
    'GET /job-types': () => json(200, { job_types: [SEND_EMAIL] }),
    'POST /submit-job': onSubmit,
  });
}

async function renderForm() {
  const onSubmitted = vi.fn();
  renderWithApi(<SubmitJobForm onSubmitted={onSubmitted} />);
  const to = await screen.findByRole('textbox', { name: 'To' });
  return {
    onSubmitted,
    to,
    subject: screen.getByRole('textbox', { name: 'Subject' }),
    message: screen.getByRole('textbox', { name: 'Message' }),
    maxAttempts: screen.getByRole('spinbutton', { name: 'Max attempts' }),
    submit: screen.getByRole('button', { name: 'Submit Job' }),
  };
}

const posts = (calls: ReturnType<typeof stubApi>) => calls.filter((c) => c.method === 'POST');

describe('the submit form', () => {
  it('builds its payload fields from the job type schema', async () => {
    submitRoutes();
    const form = await renderForm();
    expect(form.to).toHaveAttribute('type', 'email');
    expect(form.message.tagName).toBe('TEXTAREA');
    expect(screen.getByRole('combobox', { name: 'Job type' })).toHaveValue('send_email');
    expect(screen.getByRole('combobox', { name: /Priority/ })).toHaveValue('normal');
  });

  it('says what the selected type does and how many workers run it', async () => {
    stubApi({
      'GET /job-types': () =>
        json(200, {
          job_types: [
            { ...SEND_EMAIL, description: 'Sends an email', workers: 2 },
            {
              job_type: 'render_report',
              description: 'Renders a report',
              payload_schema: { type: 'object', properties: { title: { type: 'string' } } },
              workers: 0,
            },
          ],
        }),
    });
    renderWithApi(<SubmitJobForm onSubmitted={vi.fn()} />);
    const select = await screen.findByRole('combobox', { name: 'Job type' });
    expect(select).toHaveAccessibleDescription('Sends an email · 2 workers run it');
    await userEvent.selectOptions(select, 'render_report');
    expect(select).toHaveAccessibleDescription(
      'Renders a report · no worker runs it now: its jobs wait in line',
    );
    expect(await screen.findByRole('textbox', { name: /title/i })).toBeInTheDocument();
  });

  it('takes a list field as JSON, sends it as a list, and names text that is not a list', async () => {
    const report = {
      job_type: 'render_report',
      description: 'Renders a report',
      payload_schema: {
        type: 'object',
        required: ['rows'],
        properties: {
          rows: { type: 'array', items: { type: 'object' }, minItems: 1 },
        },
      },
      workers: 1,
    };
    const calls = stubApi({
      'GET /job-types': () => json(200, { job_types: [report] }),
      'POST /submit-job': () => json(202, { job_id: JOB_ID, status: 'queued' }),
    });
    renderWithApi(<SubmitJobForm onSubmitted={vi.fn()} />);
    const rows = await screen.findByRole('textbox', { name: /Rows/ });
    expect(rows.tagName).toBe('TEXTAREA');
    expect(rows).toHaveAccessibleDescription('Typed as JSON');

    await userEvent.type(rows, 'rent: 1200');
    await userEvent.click(screen.getByRole('button', { name: 'Submit Job' }));
    await waitFor(() => expect(rows).toHaveAccessibleDescription(/Enter a JSON list, in \[ \]/));
    expect(posts(calls)).toHaveLength(0);

    await userEvent.clear(rows);
    // userEvent reads [ and { as key names: doubled, they are typed as themselves.
    await userEvent.type(rows, '[[{{"label": "Rent", "amount": 1200}]');
    await userEvent.click(screen.getByRole('button', { name: 'Submit Job' }));
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]!.body).toMatchObject({
      job_type: 'render_report',
      payload: { rows: [{ label: 'Rent', amount: 1200 }] },
    });
  });

  it('names every missing required field and sends nothing', async () => {
    const calls = submitRoutes();
    const form = await renderForm();
    await userEvent.click(form.submit);

    for (const field of [form.to, form.subject, form.message]) {
      await waitFor(() => expect(field).toHaveAccessibleDescription('This field is required'));
      expect(field).toHaveAttribute('aria-invalid', 'true');
    }
    expect(posts(calls)).toHaveLength(0);
  });

  it('rejects a malformed email and an impossible attempt count before sending', async () => {
    const calls = submitRoutes();
    const form = await renderForm();
    await userEvent.type(form.to, 'not-an-email');
    await userEvent.type(form.subject, 'Test');
    await userEvent.type(form.message, 'Hello!');
    await userEvent.type(form.maxAttempts, '0');
    await userEvent.click(form.submit);

    await waitFor(() => expect(form.to).toHaveAccessibleDescription('Enter an email address'));
    expect(form.maxAttempts).toHaveAccessibleDescription(/whole number from 1 to/);
    expect(form.subject).toHaveAttribute('aria-invalid', 'false');
    expect(posts(calls)).toHaveLength(0);
  });

  it('sends a valid job and shows its id', async () => {
    const calls = submitRoutes();
    const form = await renderForm();
    await userEvent.selectOptions(screen.getByRole('combobox', { name: /Priority/ }), 'high');
    await userEvent.type(form.to, 'user@example.com');
    await userEvent.type(form.subject, 'Test');
    await userEvent.type(form.message, 'Hello!');
    await userEvent.type(form.maxAttempts, '5');
    await userEvent.click(form.submit);

    const notice = await screen.findByText(/Job submitted successfully!/);
    expect(notice).toHaveTextContent(`Job submitted successfully! Job ID: ${JOB_ID}`);
    expect(form.onSubmitted).toHaveBeenCalledWith(JOB_ID);
    expect(posts(calls)[0]?.body).toEqual({
      job_type: 'send_email',
      priority: 'high',
      payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
      max_attempts: 5,
    });
  });

  it('sends a group when one is given, and names one with a space before sending', async () => {
    const calls = submitRoutes();
    const form = await renderForm();
    const group = screen.getByRole('textbox', { name: 'Group' });
    await userEvent.type(form.to, 'user@example.com');
    await userEvent.type(form.subject, 'Test');
    await userEvent.type(form.message, 'Hello!');
    await userEvent.type(group, 'customer 42');
    await userEvent.click(form.submit);
    await waitFor(() =>
      expect(group).toHaveAccessibleDescription(/Up to 128 letters, digits or signs, no spaces/),
    );
    expect(posts(calls)).toHaveLength(0);

    await userEvent.clear(group);
    await userEvent.type(group, 'customer-42');
    await userEvent.click(form.submit);
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]!.body).toMatchObject({ group: 'customer-42' });
  });

  it('shows an error the API reports next to the field it names', async () => {
    submitRoutes(() =>
      json(400, {
        error: {
          code: 'validation_failed',
          message: 'The job is not valid',
          details: [{ path: 'payload.subject', message: 'Subject is too long for this server' }],
        },
      }),
    );
    const form = await renderForm();
    await userEvent.type(form.to, 'user@example.com');
    await userEvent.type(form.subject, 'Test');
    await userEvent.type(form.message, 'Hello!');
    await userEvent.click(form.submit);

    await waitFor(() =>
      expect(form.subject).toHaveAccessibleDescription('Subject is too long for this server'),
    );
    expect(screen.getByRole('alert')).toHaveTextContent('The job is not valid');
    expect(form.onSubmitted).not.toHaveBeenCalled();
  });
});
