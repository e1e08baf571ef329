--[[
release: a worker gives back jobs it claimed ahead of a free slot and never started (its
handlers turned out long, or it is stopping): each goes back in line at its place, its attempt
given back, as recover.lua does for a claim its worker never confirmed, but at once instead of
when the lease runs out. Fenced by the lease token: a job the worker no longer holds is left as
it is.

KEYS[1] active   zset of leased jobs, score = lease deadline (ms)
KEYS[2] queued   zset of ready jobs (and ready:<type>, each job's lane)
KEYS[3] events   stream of transitions
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] events stream max length (approximate)
ARGV[3] number of jobs n
ARGV[4] n pairs: id, lease token

Returns how many jobs went back in line.
]]
-- nowUs, priorityBand, readyScore, leftActive, groupLeft, putReady, addJobEvent and
-- wakeWorkersOf: see prelude.lua.
local active, queued, events = KEYS[1], KEYS[2], KEYS[3]
local prefix, maxEvents, n = ARGV[1], ARGV[2], tonumber(ARGV[3])

local band, released, types = nil, 0, {}
for i = 0, n - 1 do
  local id, token = ARGV[4 + i * 2], ARGV[5 + i * 2]
  local jobKey = prefix .. 'job:' .. id
  local f = redis.call('HMGET', jobKey, 'lease_token', 'attempts', 'priority', 'seq', 'worker_id',
    'job_type', 'limited', 'group')
  if f[1] == token and redis.call('ZREM', active, id) == 1 then
    band = band or priorityBand(prefix)
    leftActive(prefix, f[7], 1, false)
    groupLeft(prefix, f[8])
    local attempts = tonumber(f[2]) - 1
    local worker = f[5] or 'unknown'
    redis.call('HDEL', jobKey, 'lease_token', 'unconfirmed', 'limited', 'ahead')
    redis.call('HSET', jobKey, 'status', 'queued', 'attempts', attempts)
    putReady(queued, prefix, f[6], readyScore(f[3], f[4], band), id, f[8], band)
    addJobEvent(events, maxEvents, 'type', 'recovered', 'job_ids', id,
      'attempts', attempts, 'worker_id', worker,
      'message', 'Job ' .. id .. ' given back by worker ' .. worker ..
        ', which claimed it ahead and had no free slot for it (attempt not counted)',
      'time', nowUs)
    released = released + 1
    types[f[6]] = true
  end
end
for jobType in pairs(types) do wakeWorkersOf(prefix, jobType) end
return released
