--[[
cancel: ends a job that has not finished: `queued`, `scheduled` (including one waiting for a
retry) or `processing` becomes `cancelled`. A running job loses its lease at once, so its
worker's result is refused, and the worker that runs it is told on the `cancels` channel
(`<prefix>cancels`, the job id and the cancelled attempt's lease token, space-separated) to abort
its handler. A finished job is left alone.

KEYS[1] queued     zset of ready jobs (and ready:<type>, the job's lane)
KEYS[2] scheduled  zset of waiting jobs
KEYS[3] cancelled  zset of cancelled jobs by time (ms)
KEYS[4] events     stream of transitions
KEYS[5] active     zset of leased jobs
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] job id
ARGV[3] retention of cancelled jobs (seconds)
ARGV[4] events stream max length (approximate)

Returns { outcome, status }: outcome 'cancelled', 'not_found' or 'conflict' (status = the job's
current status, which does not allow cancelling).
]]
-- nowUs, nowMs, takeReady, leftActive, groupLeft and addJobEvent: see prelude.lua.
local queued, scheduled, cancelled, events, active = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prefix, id, ttl, maxEvents = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]

local jobKey = prefix .. 'job:' .. id
local status, jobType, worker, limitedType, group =
  unpack(redis.call('HMGET', jobKey, 'status', 'job_type', 'worker_id', 'limited', 'group'))
if not status then return { 'not_found', '' } end
if status ~= 'queued' and status ~= 'scheduled' and status ~= 'processing' then
  return { 'conflict', status }
end

takeReady(queued, prefix, jobType, id, group)
-- Its group's next turn is now at its next job's place (or it has none).
if status == 'queued' and group then placeInTurns(prefix, jobType, group, priorityBand(prefix)) end
redis.call('ZREM', scheduled, id)
redis.call('HSET', jobKey, 'status', 'cancelled', 'cancelled_at', nowUs)
redis.call('HDEL', jobKey, 'next_attempt_at')
local message = 'Job ' .. id .. ' cancelled'
if status == 'processing' then
  -- Its lease ends here: the worker's completion or failure finds no token and is refused.
  -- The token goes with the id, so that a worker running a newer attempt of the job by the
  -- time the message comes (retried and claimed again) leaves that attempt alone.
  local token = redis.call('HGET', jobKey, 'lease_token') or ''
  redis.call('ZREM', active, id)
  redis.call('HDEL', jobKey, 'lease_token', 'unconfirmed', 'limited', 'ahead')
  leftActive(prefix, limitedType)
  groupLeft(prefix, group)
  redis.call('PUBLISH', prefix .. 'cancels', id .. ' ' .. token)
  message = message .. ' while running on worker ' .. (worker or 'unknown')
end
redis.call('EXPIRE', jobKey, ttl)
redis.call('ZADD', cancelled, nowMs, id)
redis.call('ZREMRANGEBYSCORE', cancelled, '-inf', '(' .. (nowMs - ttl * 1000))
addJobEvent(events, maxEvents, 'type', 'cancelled', 'job_ids', id,
  'message', message, 'time', nowUs)
return { 'cancelled', 'cancelled' }
