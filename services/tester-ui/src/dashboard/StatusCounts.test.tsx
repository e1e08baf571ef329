import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueStats } from '../api/types';
import { json, stubApi } from '../test/fakeApi';
import { renderWithApi } from '../test/render';
import { StatusCounts } from './StatusCounts';

afterEach(() => vi.unstubAllGlobals());

const stats = (paused: QueueStats['paused']): QueueStats => ({
  queue: 'jobs',
  counts: { queued: 3, scheduled: 0, processing: 1, completed: 9, failed: 0, cancelled: 0 },
  totals: { submitted: 13, completed: 9, failed: 0, retried: 0, recovered: 0 },
  workers: 2,
  paused,
});

describe('the status counts', () => {
  it('says what is paused and pauses the whole queue on request', async () => {
    const calls = stubApi({ 'POST /queue/pause': () => json(200, { queue: true, job_types: [] }) });
    renderWithApi(<StatusCounts stats={stats({ queue: false, job_types: ['send_email'] })} />);
    expect(screen.getByRole('status')).toHaveTextContent('Paused job types: send_email.');
    await userEvent.click(screen.getByRole('button', { name: 'Pause queue' }));
    expect(calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /queue/pause');
  });

  it('offers to resume a paused queue', () => {
    stubApi({});
    renderWithApi(<StatusCounts stats={stats({ queue: true, job_types: [] })} />);
    expect(screen.getByRole('status')).toHaveTextContent('The queue is paused');
    expect(screen.getByRole('button', { name: 'Resume queue' })).toBeInTheDocument();
  });
});
