#!lua flags=allow-oom
--[[
extend: renews the leases of every job one worker is running, in one call, and records the
worker's heartbeat. A lease whose token no longer matches is not renewed: the job was recovered
and belongs to someone else now. Renewing a job also confirms it (claim.lua: its worker has
started it).

KEYS[1] active   zset of leased jobs, score = lease deadline (ms)
KEYS[2] workers  zset, worker id -> last heartbeat (ms)
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] lease length (ms)
ARGV[3] worker id
ARGV[4] heartbeats older than this many ms mark a worker gone; its entry is trimmed
ARGV[5] number of jobs n, then n pairs: id, lease token

Returns the ids whose lease was lost.
]]
-- nowUs, nowMs and callInSlices: see prelude.lua.
local active, workers = KEYS[1], KEYS[2]
local prefix, leaseMs, workerId, staleMs, n =
  ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])

redis.call('ZADD', workers, nowMs, workerId)
redis.call('ZREMRANGEBYSCORE', workers, '-inf', '(' .. (nowMs - staleMs))

local lost = {}
for i = 0, n - 1 do
  local id, token = ARGV[6 + i * 2], ARGV[7 + i * 2]
  local jobKey = prefix .. 'job:' .. id
  if redis.call('HGET', jobKey, 'lease_token') == token then
    redis.call('ZADD', active, 'XX', nowMs + leaseMs, id)
    redis.call('HDEL', jobKey, 'unconfirmed')
  else
    lost[#lost + 1] = id
  end
end
return lost
