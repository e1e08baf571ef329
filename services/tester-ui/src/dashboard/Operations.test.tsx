import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, stubApi } from '../test/fakeApi';
import { SEND_EMAIL } from '../test/records';
import { renderWithApi } from '../test/render';
import { Operations } from './Operations';

afterEach(() => vi.unstubAllGlobals());

const stats = (pausedTypes: string[]) => ({
  queue: 'jobs',
  counts: { queued: 0, scheduled: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
  totals: { submitted: 0, completed: 0, failed: 0, retried: 0, recovered: 0 },
  workers: 1,
  paused: { queue: false, job_types: pausedTypes },
});

describe('the job types and schedules panel', () => {
  it('lists each type with its workers, limits and state, pauses one, and lists schedules', async () => {
    const calls = stubApi({
      'GET /job-types': () =>
        json(200, {
          job_types: [
            { ...SEND_EMAIL, workers: 2, limits: { max_concurrency: 5 } },
            {
              job_type: 'render_report',
              payload_schema: { type: 'object' },
              workers: 0,
              limits: { rate_limit: { max: 10, per_ms: 1000 } },
            },
          ],
        }),
      'GET /stats': () => json(200, stats(['render_report'])),
      'GET /schedules': () =>
        json(200, {
          schedules: [
            {
              name: 'nightly',
              cron: '0 2 * * *',
              timezone: 'Europe/Paris',
              job_type: 'send_email',
              next_run_at: '2026-12-06T01:00:00.000Z',
              last_run: { at: '2026-12-05T01:00:00.000Z', job_id: 'j-1', error: null },
            },
            {
              name: 'hourly',
              cron: '0 * * * *',
              timezone: 'UTC',
              job_type: 'send_email',
              next_run_at: '2026-12-05T02:00:00.000Z',
              last_run: {
                at: '2026-12-05T01:00:00.000Z',
                job_id: null,
                error: 'invalid job: payload.to is required',
              },
            },
          ],
        }),
      'POST /job-types/send_email/pause': () => json(200, { queue: false, job_types: [] }),
    });
    renderWithApi(<Operations />);
    const table = await screen.findByRole('table', { name: 'Job types' });
    await within(table).findByText('at most 5 at once');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.textContent)).toEqual([
      'send_email2at most 5 at onceflowing Pause send_email',
      'render_report0at most 10 per 1000 mspaused Resume render_report',
    ]);
    expect(await screen.findByText(/next 2026-12-06T01:00:00.000Z/)).toHaveTextContent(
      'nightly 0 2 * * * (Europe/Paris): send_email, next 2026-12-06T01:00:00.000Z',
    );
    expect(screen.getByText(/next 2026-12-05T02:00:00.000Z/)).toHaveTextContent(
      'hourly 0 * * * * (UTC): send_email, next 2026-12-05T02:00:00.000Z (last tick 2026-12-05T01:00:00.000Z submitted nothing: invalid job: payload.to is required)',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Pause send_email' }));
    expect(calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /job-types/send_email/pause');
  });
});
