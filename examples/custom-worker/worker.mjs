// A worker of your own: one job type, `render_report`, that turns rows of figures into a small
// HTML report. Run it beside the stack; submit with curl, queuectl or the tester page, which all
// check the payload against the schema below.
import { z } from 'zod';
import { defineJobType, startWorker } from '@jobqueue/sdk';

const renderReport = defineJobType({
  name: 'render_report',
  description: 'Renders rows of figures as a small HTML report with a total',
  payload: z.object({
    title: z.string().min(1).max(200),
    rows: z
      .array(z.object({ label: z.string().min(1).max(100), amount: z.number() }))
      .min(1)
      .max(1000),
    currency: z.enum(['EUR', 'USD', 'GBP']).default('EUR'),
  }),
  maxAttempts: 3,
  async run(payload, ctx) {
    await ctx.log(`rendering "${payload.title}": ${payload.rows.length} rows`);
    const money = new Intl.NumberFormat('en', { style: 'currency', currency: payload.currency });
    const lines = [];
    for (const [i, row] of payload.rows.entries()) {
      if (ctx.signal.aborted) throw new Error('stopped');
      lines.push(`<tr><td>${escape(row.label)}</td><td>${money.format(row.amount)}</td></tr>`);
      if ((i + 1) % 100 === 0) await ctx.progress({ rows_done: i + 1 });
    }
    const total = payload.rows.reduce((sum, row) => sum + row.amount, 0);
    await ctx.progress({ rows_done: payload.rows.length });
    const html = `<h1>${escape(payload.title)}</h1><table>${lines.join('')}<tr><th>Total</th><th>${money.format(total)}</th></tr></table>`;
    return { total, rows: payload.rows.length, html };
  },
});

function escape(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

await startWorker({
  redisUrl: process.env.REDIS_URL,
  queue: process.env.QUEUE_NAME ?? 'jobs',
  jobTypes: [renderReport],
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 5),
});
