--[[
fail: records a failed attempt, fenced by the lease token, in the record's `errors` and
`last_error`. While attempts < max_attempts the job waits in `scheduled` for its backoff: the
record's policy (`backoff`: exponential base_ms * 2^(attempt-1) up to max_ms, or fixed base_ms;
jitter takes up to that share off) or else 2^attempts * the queue's backoff base ms, and never
longer than ARGV[10]. Otherwise it is `failed` for good, with `failed_at`. The wait lives in
Redis, not in a timer.

KEYS[1] active     zset of leased jobs
KEYS[2] scheduled  zset of waiting jobs, score = due time (ms)
KEYS[3] failed     zset of failed jobs by finish time (ms)
KEYS[4] marker     zset workers block on
KEYS[5] events     stream of transitions
KEYS[6] totals     hash of monotonic counters
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] job id
ARGV[3] lease token
ARGV[4] error message
ARGV[5] backoff base (ms)
ARGV[6] retention of failed jobs (seconds)
ARGV[7] events stream max length (approximate)
ARGV[8] how to retry: '' after the backoff; 'never' fails the job now, whatever attempts it has
        left (the handler said retrying cannot help); a number of ms: no sooner than that (a
        target's Retry-After), or the backoff if that is longer
ARGV[9] a random number in [0, 1) for the jitter (scripts draw no random numbers of their own)
ARGV[10] the longest a retry waits (ms): the cap of an exponential backoff without max_ms, of the
        queue's default, and of a Retry-After

Returns { outcome, retry delay (ms) or 0, attempts, max_attempts }, outcome one of
'retrying', 'failed', 'lease_lost'.
]]
-- nowUs, nowMs, leftActive, groupLeft, keepError, attemptsSaid and addJobEvent: see prelude.lua.
local active, scheduled, failed, marker, events, totals =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local prefix, id, token, err, backoffBaseMs, ttl, maxEvents, retry, random, maxDelayMs =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8] or '',
  tonumber(ARGV[9] or 0), tonumber(ARGV[10])

local jobKey = prefix .. 'job:' .. id
if redis.call('HGET', jobKey, 'lease_token') ~= token then
  return { 'lease_lost', 0, 0, 0 }
end

local f = redis.call('HMGET', jobKey, 'attempts', 'max_attempts', 'backoff', 'limited', 'group')
local attempts, maxAttempts = tonumber(f[1]), tonumber(f[2])
leftActive(prefix, f[4])
groupLeft(prefix, f[5])
keepError(jobKey, attempts, err)

-- Capped before the jitter, so that a capped wait is still spread out.
local function backoffMs()
  if not f[3] then return math.min((2 ^ attempts) * backoffBaseMs, maxDelayMs) end
  local policy = cjson.decode(f[3])
  local ms = policy.base_ms
  if policy.type == 'exponential' then ms = ms * 2 ^ (attempts - 1) end
  ms = math.min(ms, policy.max_ms or maxDelayMs, maxDelayMs)
  if policy.jitter then ms = ms * (1 - policy.jitter * random) end
  return math.floor(ms)
end

redis.call('ZREM', active, id)
redis.call('HDEL', jobKey, 'lease_token', 'unconfirmed', 'limited', 'ahead')
addJobEvent(events, maxEvents, 'type', 'failed', 'job_ids', id,
  'attempts', attempts, 'error', err, 'message', 'Job ' .. id .. ' failed: ' .. err, 'time', nowUs)

if attempts < maxAttempts and retry ~= 'never' then
  local delayMs = math.min(math.max(backoffMs(), tonumber(retry) or 0), maxDelayMs)
  local dueMs = nowMs + delayMs
  redis.call('HSET', jobKey, 'status', 'scheduled',
    'next_attempt_at', string.format('%d', dueMs * 1000))
  redis.call('ZADD', scheduled, dueMs, id)
  redis.call('HINCRBY', totals, 'retried', 1)
  local seconds = delayMs / 1000
  if seconds == math.floor(seconds) then seconds = string.format('%d', seconds) end
  addJobEvent(events, maxEvents, 'type', 'retrying', 'job_ids', id,
    'attempts', attempts, 'delay_ms', delayMs,
    'message', 'Retrying job ' .. id .. ' after ' .. seconds .. ' seconds (attempt ' .. attempts .. ')',
    'time', nowUs)
  -- A blocked worker wakes, sees the new earliest due time and sleeps until then.
  redis.call('ZADD', marker, 0, '0')
  return { 'retrying', delayMs, attempts, maxAttempts }
end

redis.call('HSET', jobKey, 'status', 'failed', 'failed_at', nowUs)
redis.call('EXPIRE', jobKey, ttl)
redis.call('ZADD', failed, nowMs, id)
redis.call('ZREMRANGEBYSCORE', failed, '-inf', '(' .. (nowMs - ttl * 1000))
redis.call('HINCRBY', totals, 'failed', 1)
local why = attempts < maxAttempts and ' (not retried: its handler said retrying cannot help)' or ''
addJobEvent(events, maxEvents, 'type', 'dead', 'job_ids', id,
  'attempts', attempts, 'error', err,
  'message', 'Job ' .. id .. ' permanently failed after ' .. attemptsSaid(attempts) .. why,
  'time', nowUs)
return { 'failed', 0, attempts, maxAttempts }
