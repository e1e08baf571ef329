// Which errors mean "Redis is away" (the API answers 503 and a worker's loops try again) and which
// are news: the messages ioredis and Redis give, as they give them.

import { isRedisUnavailable } from '../src';

test.each([
  'connect ECONNREFUSED 127.0.0.1:6390',
  'Connection is closed.',
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Command timed out',
  'Reached the max retries per request limit (which is 3). Refer to "maxRetriesPerRequest" option for details.',
  'Failed to refresh slots cache.',
  'Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down',
  'CLUSTERDOWN The cluster is down',
  'LOADING Redis is loading the dataset in memory',
  'OOM command not allowed when used memory > maxmemory',
])('"%s" is Redis being away', (message) => {
  expect(isRedisUnavailable(new Error(message))).toBe(true);
});

test.each([
  'ERR DB index is out of range',
  'WRONGPASS invalid username-password pair or user is disabled.',
  'ERR Error running script: attempt to compare nil with number',
])('"%s" is news', (message) => {
  expect(isRedisUnavailable(new Error(message))).toBe(false);
});

test('an error from another realm is read by its message', () => {
  expect(isRedisUnavailable({ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:1' })).toBe(
    true,
  );
  expect(isRedisUnavailable('Connection is closed.')).toBe(false);
  expect(isRedisUnavailable(undefined)).toBe(false);
});
