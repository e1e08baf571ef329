// The chaos audit is what makes every chaos run fail on a lost job, so it is checked on its own:
// acknowledged jobs whose record did not end, or says completed while the ledger shows no
// execution run to the end, count as lost; executions run to the end twice count as duplicates,
// and one attempt started twice is flagged; a job seen ended during the run whose record has
// expired since counts as ended.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { queueKeys } from '@jobqueue/shared';
import { audit } from '../../chaos/src/audit';
import { LedgerWriter } from '../../chaos/src/ledger';
import { testRedisUrl, uniqueQueueName } from '../support/redis-url';

describe('the chaos audit', () => {
  const keys = queueKeys(uniqueQueueName('audit'));
  let redis: Redis;
  let ledgerDir: string;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
    ledgerDir = mkdtempSync(join(tmpdir(), 'jobqueue-audit-'));
  });
  afterAll(async () => {
    const left = await redis.keys(`${keys.prefix}*`);
    if (left.length > 0) await redis.del(...left);
    redis.disconnect();
    rmSync(ledgerDir, { recursive: true, force: true });
  });

  it('counts every acknowledged job that did not end as lost, every extra run as a duplicate, and an attempt run twice', async () => {
    const status = (id: string, value: string) => redis.hset(keys.job(id), 'status', value);
    const worker = new LedgerWriter(ledgerDir, 'w1');
    const other = new LedgerWriter(ledgerDir, 'w2');
    const ran = (ledger: LedgerWriter, id: string, attempt: number) => {
      ledger.record('start', id, attempt);
      ledger.record('done', id, attempt);
    };

    await status('done-once', 'completed');
    ran(worker, 'done-once', 1);
    await status('done-twice', 'completed');
    ran(worker, 'done-twice', 1);
    ran(other, 'done-twice', 2);
    // One attempt started by two workers: a lease handed out twice.
    await status('same-attempt-twice', 'completed');
    ran(worker, 'same-attempt-twice', 1);
    other.record('start', 'same-attempt-twice', 1);
    await status('gave-up', 'failed');
    worker.record('start', 'gave-up', 1);
    await status('still-running', 'processing');
    worker.record('start', 'still-running', 1);
    await status('still-queued', 'queued');
    // Recorded as completed, but no worker ever ran it to the end.
    await status('never-ran', 'completed');
    worker.record('start', 'never-ran', 1);
    // No record at all: Redis lost it.
    ran(worker, 'vanished', 1);
    // Seen completed during the run; its record expired since (retention), so it is no loss.
    ran(worker, 'expired', 1);
    // A job that ran although its submission got no 2xx: not audited, only noted.
    ran(worker, 'unacknowledged', 1);
    worker.close();
    other.close();

    const found = await audit(
      redis,
      keys,
      [
        'done-once',
        'done-twice',
        'same-attempt-twice',
        'gave-up',
        'still-running',
        'still-queued',
        'never-ran',
        'vanished',
        'expired',
      ],
      ledgerDir,
      [],
      new Map([['expired', { status: 'completed', attempts: 1, lastError: null }]]),
    );

    expect(found).toMatchObject({
      acknowledged: 9,
      completed: 4,
      failed: 1,
      duplicates: 1,
      repeatedAttempts: 1,
      unacknowledgedRuns: 1,
    });
    expect(found.lost.sort()).toEqual(['never-ran', 'still-queued', 'still-running', 'vanished']);
  });
});
