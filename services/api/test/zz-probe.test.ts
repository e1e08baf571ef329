import { startApi } from './api-fixture';
test('probe', async () => {
  const api = await startApi();
  for (const [m, p, h, b] of [
    ['GET', '/jobs/status/%E0%A4%A', {}, undefined],
    ['GET', '/jobs?status=%E0%A4%A', {}, undefined],
    ['GET', '/jobs?limit=5&limit=6', {}, undefined],
    ['DELETE', '/jobs/%ZZ', {}, undefined],
    ['GET', '/events?job_id=a&job_id=b', {}, undefined],
    ['POST', '/submit-job', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'notgzip'],
    ['POST', '/submit-job', { 'content-type': 'application/json', 'content-encoding': 'bogus' }, '{}'],
    ['POST', '/submit-job', { 'content-type': 'application/json; charset=utf-16' }, '{}'],
    ['POST', '/submit-job', { 'content-type': 'application/json' }, '{"job_type":"send_email","payload":{"to":"a@b.co","subject":"\ud800","message":"x"}}'],
    ['HEAD', '/stats', {}, undefined],
    ['OPTIONS', '/jobs', {}, undefined],
    ['GET', '//jobs', {}, undefined],
    ['GET', '/jobs/status/0190F3C2-0000-7000-8000-000000000000', {}, undefined],
  ] as [string, string, Record<string, string>, string | undefined][]) {
    const r = await api.call(m, p, { headers: h, body: b });
    console.log(m, p, JSON.stringify(h), r.status, JSON.stringify(r.body).slice(0, 200));
  }
  await api.close();
});
