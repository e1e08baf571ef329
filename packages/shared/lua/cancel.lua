--[[
cancel: withdraws a job that has not started: `queued` or `scheduled` (including one waiting for
a retry) becomes `cancelled`. A running or finished job is left alone.

KEYS[1] queued     zset of ready jobs (and ready:<type>, the job's lane)
KEYS[2] scheduled  zset of waiting jobs
KEYS[3] cancelled  zset of cancelled jobs by time (ms)
KEYS[4] events     stream of transitions
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] job id
ARGV[3] retention of cancelled jobs (seconds)
ARGV[4] events stream max length (approximate)

Returns { outcome, status }: outcome 'cancelled', 'not_found' or 'conflict' (status = the job's
current status, which does not allow cancelling).
]]
-- nowUs, nowMs, takeReady and addJobEvent: see prelude.lua.
local queued, scheduled, cancelled, events = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, id, ttl, maxEvents = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]

local jobKey = prefix .. 'job:' .. id
local status, jobType = unpack(redis.call('HMGET', jobKey, 'status', 'job_type'))
if not status then return { 'not_found', '' } end
if status ~= 'queued' and status ~= 'scheduled' then return { 'conflict', status } end

takeReady(queued, prefix, jobType, id)
redis.call('ZREM', scheduled, id)
redis.call('HSET', jobKey, 'status', 'cancelled', 'cancelled_at', nowUs)
redis.call('HDEL', jobKey, 'next_attempt_at')
redis.call('EXPIRE', jobKey, ttl)
redis.call('ZADD', cancelled, nowMs, id)
redis.call('ZREMRANGEBYSCORE', cancelled, '-inf', '(' .. (nowMs - ttl * 1000))
addJobEvent(events, maxEvents, 'type', 'cancelled', 'job_ids', id,
  'message', 'Job ' .. id .. ' cancelled', 'time', nowUs)
return { 'cancelled', 'cancelled' }
