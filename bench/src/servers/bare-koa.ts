// The baseline for HTTP submission: a bare Koa endpoint that parses the JSON body and stores each
// job with one Redis MULTI (a hash and a zset entry), with none of the API's checks, ids,
// scripts, headers or metrics. The API is compared with this, in the same run on the same Redis.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Koa from 'koa';
import Redis, { type ChainableCommander } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL!);
const app = new Koa();

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function store(multi: ChainableCommander, job: Record<string, unknown>): string {
  const id = randomUUID();
  multi.hset(`bare:job:${id}`, {
    job_type: String(job.job_type),
    priority: String(job.priority),
    payload: JSON.stringify(job.payload),
    status: 'queued',
    created_at: String(Date.now()),
  });
  multi.zadd('bare:queued', Date.now(), id);
  return id;
}

app.use(async (ctx) => {
  if (ctx.method !== 'POST') return;
  const body = (await readJson(ctx.req)) as Record<string, unknown>;
  const multi = redis.multi();
  if (ctx.path === '/submit-job') {
    const id = store(multi, body);
    await multi.exec();
    ctx.status = 202;
    ctx.body = { job_id: id, status: 'queued' };
  } else if (ctx.path === '/jobs/bulk') {
    const ids = (body.jobs as Record<string, unknown>[]).map((job) => store(multi, job));
    await multi.exec();
    ctx.status = 202;
    ctx.body = { job_ids: ids };
  }
});

app.listen(Number(process.env.PORT), '127.0.0.1');
