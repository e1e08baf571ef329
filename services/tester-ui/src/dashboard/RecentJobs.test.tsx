import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, stubApi } from '../test/fakeApi';
import { jobRecord } from '../test/records';
import { renderWithApi } from '../test/render';
import { RecentJobs } from './RecentJobs';

afterEach(() => vi.unstubAllGlobals());

const failed = jobRecord({ job_id: 'job-failed', status: 'failed', completed_at: null });
const scheduled = jobRecord({ job_id: 'job-scheduled', status: 'scheduled', completed_at: null });
const running = jobRecord({ job_id: 'job-running', status: 'processing', completed_at: null });
const older = jobRecord({ job_id: 'job-older' });

function jobsRoutes() {
  return stubApi({
    'GET /jobs': ({ url }) =>
      url.searchParams.get('cursor') === 'page-2'
        ? json(200, { jobs: [older], next_cursor: null })
        : json(200, { jobs: [failed, scheduled, running], next_cursor: 'page-2' }),
    'POST /jobs/job-failed/retry': () => json(200, { job_id: 'job-failed', status: 'queued' }),
    'DELETE /jobs/job-scheduled': () =>
      json(409, { error: { code: 'conflict', message: 'Job job-scheduled is already running' } }),
  });
}

describe('the recent jobs table', () => {
  it('offers Retry only on failed jobs and Cancel only on unfinished ones', async () => {
    const calls = jobsRoutes();
    renderWithApi(<RecentJobs onSelectJob={() => {}} />);

    const failedRow = (await screen.findByText('job-failed')).closest('tr')!;
    const scheduledRow = screen.getByText('job-scheduled').closest('tr')!;
    expect(within(failedRow).queryByRole('button', { name: /Cancel/ })).not.toBeInTheDocument();
    expect(within(scheduledRow).queryByRole('button', { name: /Retry/ })).not.toBeInTheDocument();
    // A running job can be cancelled: its handler is told to stop.
    const runningRow = screen.getByText('job-running').closest('tr')!;
    expect(
      within(runningRow).getByRole('button', { name: 'Cancel job job-running' }),
    ).toBeVisible();

    await userEvent.click(within(failedRow).getByRole('button', { name: 'Retry job job-failed' }));
    expect(calls.some((c) => c.method === 'POST' && c.path === '/jobs/job-failed/retry')).toBe(
      true,
    );

    await userEvent.click(
      within(scheduledRow).getByRole('button', { name: 'Cancel job job-scheduled' }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Job job-scheduled is already running',
    );
  });

  it('pages with the cursor the API returned, and back', async () => {
    const calls = jobsRoutes();
    renderWithApi(<RecentJobs onSelectJob={() => {}} />);
    await screen.findByText('job-failed');
    expect(screen.getByRole('button', { name: 'Previous page' })).toBeDisabled();

    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('job-older')).toBeInTheDocument();
    expect(calls.some((c) => new URLSearchParams(c.query).get('cursor') === 'page-2')).toBe(true);
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();

    await userEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(await screen.findByText('job-failed')).toBeInTheDocument();
  });

  it('filters by status through the API and starts again from the first page', async () => {
    const calls = jobsRoutes();
    renderWithApi(<RecentJobs onSelectJob={() => {}} />);
    await screen.findByText('job-failed');
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await screen.findByText('job-older');

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'failed');
    const lastQuery = new URLSearchParams(
      calls
        .filter((c) => c.path === '/jobs')
        .map((c) => c.query)
        .at(-1),
    );
    expect(lastQuery.get('status')).toBe('failed');
    expect(lastQuery.has('cursor')).toBe(false);
  });
});
