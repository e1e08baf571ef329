--[[
forget: drops from the failed and cancelled indexes, and from the index of every job, the ids
whose records have expired, so counts and listings match the records kept. fail and cancel trim
their index when they add to it; this covers a queue where nothing fails or is cancelled any
more, and is run before /stats counts and before a listing reads those indexes.

KEYS[1] failed     zset of failed jobs by finish time (ms)
KEYS[2] cancelled  zset of cancelled jobs by time (ms)
KEYS[3] created    stream index of every job, entry id = creation time
ARGV[1] retention of failed jobs (seconds)
ARGV[2] retention of cancelled jobs and of the index of every job (seconds)

Returns { failed ids dropped, cancelled ids dropped }.
]]
-- nowUs, nowMs and callInSlices: see prelude.lua.
local failed, cancelled, created = KEYS[1], KEYS[2], KEYS[3]
local failedTtl, jobTtl = tonumber(ARGV[1]), tonumber(ARGV[2])

local droppedFailed =
  redis.call('ZREMRANGEBYSCORE', failed, '-inf', '(' .. (nowMs - failedTtl * 1000))
local droppedCancelled =
  redis.call('ZREMRANGEBYSCORE', cancelled, '-inf', '(' .. (nowMs - jobTtl * 1000))
redis.call('XTRIM', created, 'MINID', nowMs - jobTtl * 1000)
return { droppedFailed, droppedCancelled }
