import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, stubApi } from '../test/fakeApi';
import { renderWithApi } from '../test/render';
import { Groups } from './Groups';

afterEach(() => vi.unstubAllGlobals());

describe('the groups panel', () => {
  it('lists each group with its queued, running and completed jobs, oldest wait and settings', async () => {
    stubApi({
      'GET /groups': () =>
        json(200, {
          groups: [
            {
              group: 'customer-42',
              queued: 3,
              running: 1,
              completed: 7,
              oldest_wait_ms: 1200,
              weight: 2,
              max_concurrency: 5,
            },
            {
              group: 'customer-7',
              queued: 0,
              running: 0,
              completed: 2,
              oldest_wait_ms: null,
              weight: 1,
              max_concurrency: null,
            },
          ],
          next_cursor: null,
        }),
    });
    renderWithApi(<Groups />);
    const table = await screen.findByRole('table', { name: 'Groups' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.textContent)).toEqual([
      'customer-423171200 msweight 2, at most 5 at once',
      'customer-7002—default',
    ]);
  });

  it('says how to make groups when there are none, having asked for one page', async () => {
    const calls = stubApi({ 'GET /groups': () => json(200, { groups: [], next_cursor: null }) });
    renderWithApi(<Groups />);
    expect(await screen.findByText(/No groups yet/)).toBeInTheDocument();
    expect(calls[0]).toMatchObject({ path: '/groups', query: '?limit=20' });
  });
});
