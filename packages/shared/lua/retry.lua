--[[
retry: gives a `failed` or `cancelled` job a fresh start: back to `queued` at the end of its
priority's line, attempts reset to 0, finish times and last error cleared, retention lifted.

KEYS[1] queued     zset of ready jobs (and ready:<type>, the job's lane)
KEYS[2] failed     zset of failed jobs
KEYS[3] cancelled  zset of cancelled jobs
KEYS[4] events     stream of transitions
KEYS[5] totals     hash of monotonic counters
KEYS[6] seq        counter of seqs (see nextSeq in prelude.lua)
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] job id
ARGV[3] events stream max length (approximate)

Returns { outcome, status }: outcome 'retried', 'not_found' or 'conflict' (status = the job's
current status, which does not allow a retry).
]]
-- nowUs, nextSeq, priorityBand, readyScore, putReady, addJobEvent and wakeWorkersOf: see prelude.lua.
local queued, failed, cancelled, events, totals, seqKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local prefix, id, maxEvents = ARGV[1], ARGV[2], ARGV[3]

local jobKey = prefix .. 'job:' .. id
local f = redis.call('HMGET', jobKey, 'status', 'priority', 'job_type', 'group')
local status = f[1]
if not status then return { 'not_found', '' } end
if status ~= 'failed' and status ~= 'cancelled' then return { 'conflict', status } end

local seq = nextSeq(seqKey)
redis.call('ZREM', failed, id)
redis.call('ZREM', cancelled, id)
redis.call('PERSIST', jobKey)
redis.call('HSET', jobKey, 'status', 'queued', 'attempts', 0, 'seq', seq)
redis.call('HDEL', jobKey, 'failed_at', 'cancelled_at', 'completed_at', 'picked_at', 'errors',
  'next_attempt_at', 'last_error', 'result', 'worker_id')
local band = priorityBand(prefix)
putReady(queued, prefix, f[3], readyScore(f[2], seq, band), id, f[4], band)
redis.call('HINCRBY', totals, 'retried', 1)
addJobEvent(events, maxEvents, 'type', 'retried', 'job_ids', id,
  'message', 'Job ' .. id .. ' queued again by a manual retry', 'time', nowUs)
wakeWorkersOf(prefix, f[3])
return { 'retried', 'queued' }
