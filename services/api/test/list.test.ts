// GET /jobs: newest first, filtered by status and job_type, in pages joined by an opaque cursor
// that never repeats or skips a job.

import { z } from 'zod';
import type { JobType } from '@jobqueue/shared';
import { startApi, validEmail, type ApiFixture, type Reply } from './api-fixture';

const resizeImage: JobType = {
  name: 'resize_image',
  description: 'a second job type, for the job_type filter',
  payloadSchema: z.strictObject({ url: z.string() }),
  run: async () => null,
};

interface Page {
  jobs: { job_id: string; status: string; job_type: string }[];
  next_cursor: string | null;
}
const idsOf = (page: Page) => page.jobs.map((job) => job.job_id);

let api: ApiFixture;
/** Every job of this file's queue, in submission order. */
const submitted: { id: string; type: string }[] = [];

beforeAll(async () => {
  api = await startApi({ extraJobTypes: [resizeImage] });
  // One by one, then a bulk request whose jobs share one creation millisecond.
  for (let i = 0; i < 12; i++) {
    const image = i % 3 === 0;
    const body = image
      ? { job_type: 'resize_image', payload: { url: `https://img/${i}` } }
      : validEmail;
    const reply = await api.post('/submit-job', body);
    submitted.push({ id: reply.body.job_id, type: body.job_type });
  }
  const bulk = await api.post('/jobs/bulk', { jobs: Array.from({ length: 15 }, () => validEmail) });
  for (const id of bulk.body.job_ids) submitted.push({ id, type: 'send_email' });
});
afterAll(() => api.close());

async function allPages(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const reply: Reply<Page> = await api.get(
      `/jobs?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.jobs.length).toBeLessThanOrEqual(limit);
    ids.push(...idsOf(reply.body));
    cursor = reply.body.next_cursor;
    if (++pages > 100) throw new Error('paging does not end');
  } while (cursor);
  return { ids, pages };
}

test('GET /jobs answers {jobs, next_cursor} with full records, newest first', async () => {
  const reply = await api.get('/jobs');
  expect(reply.status).toBe(200);
  expect(Object.keys(reply.body).sort()).toEqual(['jobs', 'next_cursor']);
  expect(idsOf(reply.body)).toEqual(submitted.map((job) => job.id).reverse());
  expect(reply.body.jobs[0]).toMatchObject({
    status: 'queued',
    job_type: 'send_email',
    attempts: 0,
  });
});

test('limit caps a page and cursor paging returns every job once, newest first', async () => {
  const first = await api.get('/jobs?limit=5');
  expect(first.body.jobs).toHaveLength(5);
  expect(typeof first.body.next_cursor).toBe('string');

  const { ids, pages } = await allPages('', 4);
  expect(ids).toEqual(submitted.map((job) => job.id).reverse());
  expect(pages).toBeGreaterThanOrEqual(7);
});

test('jobs submitted while a client pages neither repeat nor shift its pages', async () => {
  const firstPage = await api.get<Page>('/jobs?limit=6');
  await api.submitEmail();
  await api.post('/jobs/bulk', { jobs: [validEmail, validEmail] });
  const rest: string[] = [];
  let cursor: string | null = firstPage.body.next_cursor;
  while (cursor) {
    const page: Reply<Page> = await api.get(`/jobs?limit=6&cursor=${cursor}`);
    rest.push(...idsOf(page.body));
    cursor = page.body.next_cursor;
  }
  const seen = [...idsOf(firstPage.body), ...rest];
  expect(seen).toEqual(submitted.map((job) => job.id).reverse());
});

test('job_type and status filter the list; paging works within a filter', async () => {
  const images = submitted.filter((job) => job.type === 'resize_image').map((job) => job.id);
  const { ids } = await allPages('job_type=resize_image', 2);
  expect(ids).toEqual([...images].reverse());

  const cancelled = [submitted[1]!.id, submitted[5]!.id, submitted[20]!.id];
  for (const id of cancelled) expect((await api.call('DELETE', `/jobs/${id}`)).status).toBe(200);
  const byStatus = await allPages('status=cancelled', 2);
  expect(new Set(byStatus.ids)).toEqual(new Set(cancelled));
  expect(byStatus.ids).toHaveLength(3);

  const both = await api.get('/jobs?status=cancelled&job_type=resize_image');
  expect(idsOf(both.body)).toEqual([]);
  const none = await api.get('/jobs?status=failed');
  expect(none.body).toEqual({ jobs: [], next_cursor: null });
});

test('a bad query answers 400 naming the parameter', async () => {
  const cases: [string, string][] = [
    ['status=bogus', 'status'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['sort=asc', 'sort'],
  ];
  for (const [query, path] of cases) {
    const reply = await api.get(`/jobs?${query}`);
    expect({ query, status: reply.status, code: reply.body.error?.code }).toEqual({
      query,
      status: 400,
      code: 'validation_failed',
    });
    expect(reply.body.error.details.map((detail: { path: string }) => detail.path)).toEqual([path]);
  }
});

describe('a listing of many jobs', () => {
  let many: ApiFixture;
  const rare: string[] = [];
  beforeAll(async () => {
    many = await startApi({ extraJobTypes: [resizeImage] });
    // Three bulks of a thousand, with one resize_image job at the very start and end.
    rare.push(
      (await many.post('/submit-job', { job_type: 'resize_image', payload: { url: 'a' } })).body
        .job_id,
    );
    for (let i = 0; i < 3; i++) {
      const reply = await many.post('/jobs/bulk', { jobs: Array(1000).fill(validEmail) });
      expect(reply.status).toBe(202);
    }
    rare.push(
      (await many.post('/submit-job', { job_type: 'resize_image', payload: { url: 'b' } })).body
        .job_id,
    );
  });
  afterAll(() => many.close());

  test('reads a bounded part of the index per call: a rare type comes in short pages with cursors', async () => {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/jobs?job_type=resize_image&limit=500${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Reply<Page> = await many.get(query);
      expect(page.status).toBe(200);
      pages.push(page.body);
      cursor = page.body.next_cursor;
    } while (cursor && pages.length < 10);
    // 3,002 entries, at most 1,000 read per call: the walk takes more than one call, and still
    // finds each match once, newest first.
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.flatMap(idsOf)).toEqual([...rare].reverse());
    expect(pages.some((page) => page.jobs.length === 0 && page.next_cursor !== null)).toBe(true);
  });

  test('a full page of 500 still comes in one call when most jobs match', async () => {
    const page = await many.get<Page>('/jobs?job_type=send_email&limit=500');
    expect(page.body.jobs).toHaveLength(500);
    expect(page.body.next_cursor).not.toBeNull();
  });
});
