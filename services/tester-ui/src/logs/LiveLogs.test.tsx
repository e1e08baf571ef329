import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi } from '../test/fakeApi';
import { renderWithApi } from '../test/render';
import { LiveLogs } from './LiveLogs';

afterEach(() => vi.unstubAllGlobals());

/** An /events response the test writes Server-Sent Events into, one at a time. */
function eventStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  let seq = 0;
  return {
    response: new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }),
    send(type: string, jobId: string, message: string) {
      const id = `1700000000000-${seq++}`;
      const data = { id, type, job_id: jobId, message, time: '2025-05-31T22:46:00.123456Z' };
      controller.enqueue(
        encoder.encode(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`),
      );
    },
  };
}

const lines = () =>
  within(screen.getByRole('log'))
    .queryAllByRole('listitem')
    .map((item) => item.querySelector('.log-message')?.textContent);

describe('the live worker log', () => {
  it('shows events newest at the bottom, filters by job id, and holds them while paused', async () => {
    const stream = eventStream();
    stubApi({ 'GET /events': () => stream.response });
    renderWithApi(<LiveLogs />);
    await screen.findByText('Live');

    await act(async () => {
      stream.send('picked', 'job-a', 'Picked job job-a');
      stream.send('picked', 'job-b', 'Picked job job-b');
      stream.send('completed', 'job-a', 'Job job-a completed successfully');
    });
    await screen.findByText('Job job-a completed successfully');
    expect(lines()).toEqual([
      'Picked job job-a',
      'Picked job job-b',
      'Job job-a completed successfully',
    ]);

    await userEvent.type(screen.getByRole('textbox', { name: 'Filter by job ID' }), 'job-b');
    expect(lines()).toEqual(['Picked job job-b']);
    await userEvent.clear(screen.getByRole('textbox', { name: 'Filter by job ID' }));

    await userEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await act(async () => stream.send('completed', 'job-b', 'Job job-b completed successfully'));
    expect(await screen.findByRole('button', { name: 'Resume (1 new)' })).toBeInTheDocument();
    expect(lines()).not.toContain('Job job-b completed successfully');

    await userEvent.click(screen.getByRole('button', { name: 'Resume (1 new)' }));
    expect(lines().at(-1)).toBe('Job job-b completed successfully');
  });
});
