import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobRecord } from '../api/types';
import { json, stubApi } from '../test/fakeApi';
import { JOB_ID, jobRecord } from '../test/records';
import { renderWithApi } from '../test/render';
import { JobStatusPanel } from './JobStatusPanel';

afterEach(() => vi.unstubAllGlobals());

/** The API answers the status route with each record in turn, then keeps the last one. */
function statusRoute(...records: JobRecord[]) {
  let answered = 0;
  return stubApi({
    [`GET /jobs/status/${JOB_ID}`]: () =>
      json(200, records[Math.min(answered++, records.length - 1)]),
  });
}

const statusCalls = (calls: ReturnType<typeof stubApi>) =>
  calls.filter((c) => c.path.startsWith('/jobs/status/'));

describe('the status view', () => {
  it('shows a completed job: badge, timeline with the time each step took, attempts and raw JSON', async () => {
    statusRoute(jobRecord());
    renderWithApi(<JobStatusPanel jobId={JOB_ID} onCheck={() => {}} />);

    const record = await screen.findByRole('article', { name: `Job ${JOB_ID}` });
    expect(within(record).getByText('completed', { selector: '.badge' })).toBeInTheDocument();
    expect(within(record).getByText('Attempts 1/3')).toBeInTheDocument();
    const steps = within(within(record).getByRole('list', { name: 'Timeline' })).getAllByRole(
      'listitem',
    );
    expect(steps.map((step) => step.querySelector('.timeline-label')?.textContent)).toEqual([
      'Created',
      'Picked',
      'Completed',
    ]);
    expect(steps[1]).toHaveTextContent('waited 1.00 s');
    expect(steps[2]).toHaveTextContent('ran 2.00 s');
    expect(within(record).getByText(/"message_id": "mock-1"/)).toBeInTheDocument();
    expect(screen.queryByText('updating live…')).not.toBeInTheDocument();
  });

  it("shows what the job's handler reported: its progress and log lines", async () => {
    statusRoute(
      jobRecord({
        status: 'processing',
        completed_at: null,
        result: null,
        progress: { rows_done: 40 },
        logs: ['rendering "Q3": 80 rows', 'halfway'],
      }),
    );
    renderWithApi(<JobStatusPanel jobId={JOB_ID} onCheck={() => {}} />);

    expect(await screen.findByText('Progress:')).toBeInTheDocument();
    expect(screen.getByText('Progress:').parentElement).toHaveTextContent(
      'Progress: {"rows_done":40}',
    );
    const lines = within(screen.getByRole('region', { name: 'Lines the job logged' })).getAllByRole(
      'listitem',
    );
    expect(lines.map((line) => line.textContent)).toEqual(['rendering "Q3": 80 rows', 'halfway']);
  });

  it('lists every failed attempt once there was more than one', async () => {
    statusRoute(
      jobRecord({
        status: 'failed',
        completed_at: null,
        last_error: 'timed out after 150 ms',
        errors: [
          { attempt: 1, error: 'upstream said no', at: '2025-05-31T22:46:01.000000Z' },
          { attempt: 2, error: 'timed out after 150 ms', at: '2025-05-31T22:46:02.000000Z' },
        ],
      }),
    );
    renderWithApi(<JobStatusPanel jobId={JOB_ID} onCheck={() => {}} />);
    const attempts = within(
      await screen.findByRole('region', { name: 'Failed attempts' }),
    ).getAllByRole('listitem');
    expect(attempts.map((item) => item.textContent)).toEqual([
      'Attempt 1: upstream said no',
      'Attempt 2: timed out after 150 ms',
    ]);
  });

  it('shows the next attempt and the last error while a retry is pending', async () => {
    const inFiveSeconds = new Date(Date.now() + 5000).toISOString();
    statusRoute(
      jobRecord({
        status: 'scheduled',
        completed_at: null,
        next_attempt_at: inFiveSeconds,
        last_error: 'Mock email sending failed',
      }),
    );
    renderWithApi(<JobStatusPanel jobId={JOB_ID} onCheck={() => {}} />);

    expect(await screen.findByText(/Next attempt at .* \(in \d/)).toBeInTheDocument();
    expect(screen.getByText('Last error:').parentElement).toHaveTextContent(
      'Last error: Mock email sending failed',
    );
    expect(screen.getByText('updating live…')).toBeInTheDocument();
  });

  it('follows a running job until it is final, then stops asking', async () => {
    const processing = jobRecord({ status: 'processing', completed_at: null, result: null });
    const calls = statusRoute(processing, processing, jobRecord());
    renderWithApi(<JobStatusPanel jobId={JOB_ID} onCheck={() => {}} />);

    expect(await screen.findByText('processing', { selector: '.badge' })).toBeInTheDocument();
    expect(
      await screen.findByText('completed', { selector: '.badge' }, { timeout: 15_000 }),
    ).toBeInTheDocument();
    const asked = statusCalls(calls).length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(statusCalls(calls)).toHaveLength(asked);
  }, 30_000);

  it('says plainly when there is no such job', async () => {
    stubApi({});
    renderWithApi(
      <JobStatusPanel jobId="0190f3c2-0000-7000-8000-00000000dead" onCheck={() => {}} />,
    );
    expect(
      await screen.findByText('No job with ID 0190f3c2-0000-7000-8000-00000000dead.'),
    ).toBeInTheDocument();
  });

  it('checks the id typed into the box', async () => {
    const onCheck = vi.fn();
    stubApi({});
    renderWithApi(<JobStatusPanel jobId={null} onCheck={onCheck} />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Job ID' }), ` ${JOB_ID} {Enter}`);
    expect(onCheck).toHaveBeenCalledWith(JOB_ID);
  });
});
