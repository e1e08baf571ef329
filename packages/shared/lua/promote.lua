--[[
promote: moves scheduled jobs whose due time has come into `queued`, at their original place in
line (their submit order within their priority), and wakes a worker of each of their types.

KEYS[1] scheduled  zset of waiting jobs, score = due time (ms)
KEYS[2] queued     zset of ready jobs (and ready:<type>, each job's lane)
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] most jobs to promote in this call

Returns { jobs promoted, earliest remaining due time (ms) or -1 }.
]]
-- nowMs, priorityBand, readyScore, putReady and wakeWorkersOf: see prelude.lua.
local scheduled, queued = KEYS[1], KEYS[2]
local prefix, limit = ARGV[1], tonumber(ARGV[2])

local due = redis.call('ZRANGEBYSCORE', scheduled, '-inf', nowMs, 'LIMIT', 0, limit)
local band = #due > 0 and priorityBand(prefix)
local promoted, types = 0, {}
for _, id in ipairs(due) do
  local jobKey = prefix .. 'job:' .. id
  redis.call('ZREM', scheduled, id)
  local f = redis.call('HMGET', jobKey, 'priority', 'seq', 'job_type', 'group')
  if f[1] then
    redis.call('HSET', jobKey, 'status', 'queued')
    putReady(queued, prefix, f[3], readyScore(f[1], f[2], band), id, f[4], band)
    promoted = promoted + 1
    types[f[3]] = true
  end
end

for jobType in pairs(types) do wakeWorkersOf(prefix, jobType) end
local nextDue = redis.call('ZRANGE', scheduled, 0, 0, 'WITHSCORES')
return { promoted, nextDue[2] and tonumber(nextDue[2]) or -1 }
