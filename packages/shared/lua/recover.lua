--[[
recover: puts back jobs whose lease expired because their worker died or froze. A job with
attempts left goes back to `queued` at its original place in line (ahead of newer jobs of its
priority), its loss counted in `lost` (see claim.lua); a job that has used all its attempts
fails with a last_error saying its worker was lost. A job its worker never confirmed (claim.lua
ARGV[8]) was never started: it goes back in line with its attempt given back, whatever it had
left. So does a job claimed ahead that its worker never said it started (`ahead`, claim.lua
ARGV[10]), its loss counted: claimed again, it is not marked, so one that kills its worker
before the worker can say so gets its attempt back once at most. Every worker runs this
periodically; two runs at once are harmless because each job is moved by whichever run sees it
first and the other finds it gone from `active`.

KEYS[1] active   zset of leased jobs, score = lease deadline (ms)
KEYS[2] queued   zset of ready jobs (and ready:<type>, each job's lane)
KEYS[3] failed   zset of failed jobs by finish time (ms)
KEYS[4] events   stream of transitions
KEYS[5] totals   hash of monotonic counters
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] most jobs to recover in this call
ARGV[3] retention of failed jobs (seconds)
ARGV[4] events stream max length (approximate)

Returns { jobs put back in line, jobs failed for good }.
]]
-- nowUs, nowMs, priorityBand, readyScore, groupLeft, putReady, keepError, attemptsSaid, addJobEvent
-- and wakeWorkersOf: see prelude.lua.
local active, queued, failed, events, totals = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prefix, limit, ttl, maxEvents = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]

-- Redis that has just started (restarted after a crash) may hold claims whose workers started
-- their jobs and could not say so while it was down: their confirmation waits for their
-- reconnection. Such a job is given UNCONFIRMED_GRACE_MS more, not taken as never started
-- (which would give its attempt back and run that attempt twice).
local UNCONFIRMED_GRACE_MS = 5000
local redisJustStarted
local function justStarted()
  if redisJustStarted == nil then
    local uptime = string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)')
    redisJustStarted = tonumber(uptime or 0) * 1000 < UNCONFIRMED_GRACE_MS
  end
  return redisJustStarted
end

local expired = redis.call('ZRANGEBYSCORE', active, '-inf', nowMs, 'LIMIT', 0, limit)
local band = #expired > 0 and priorityBand(prefix)
local requeued, gaveUp, types = 0, 0, {}
for _, id in ipairs(expired) do
  local jobKey = prefix .. 'job:' .. id
  local f = redis.call('HMGET', jobKey, 'attempts', 'max_attempts', 'priority', 'seq', 'worker_id',
    'unconfirmed', 'job_type', 'limited', 'group', 'ahead')
  if f[1] and (f[6] or f[10]) and justStarted() then
    redis.call('ZADD', active, nowMs + UNCONFIRMED_GRACE_MS, id)
    f = {}
  else
    redis.call('ZREM', active, id)
  end
  if f[1] then
    leftActive(prefix, f[8])
    groupLeft(prefix, f[9])
    local attempts, maxAttempts = tonumber(f[1]), tonumber(f[2])
    local worker = f[5] or 'unknown'
    redis.call('HDEL', jobKey, 'lease_token', 'unconfirmed', 'limited', 'ahead')
    if f[6] or f[10] then
      -- Never started: claimed behind a wait by a worker that froze before confirming it
      -- (`unconfirmed`: the job loses nothing), or claimed ahead of a free slot and never said
      -- started (`ahead`: its loss is counted, so it is not marked again: claim.lua ARGV[10]).
      -- Either way the attempt is given back.
      local ahead = f[10] and not f[6]
      redis.call('HSET', jobKey, 'status', 'queued', 'attempts', attempts - 1)
      if ahead then redis.call('HINCRBY', jobKey, 'lost', 1) end
      putReady(queued, prefix, f[7], readyScore(f[3], f[4], band), id, f[9], band)
      addJobEvent(events, maxEvents, 'type', 'recovered', 'job_ids', id,
        'attempts', attempts - 1, 'worker_id', worker,
        'message', 'Recovered job ' .. id .. ' from worker ' .. worker .. ', which claimed it' ..
          (ahead and ' ahead' or '') .. ' but never started it (attempt not counted)',
        'time', nowUs)
      requeued = requeued + 1
      types[f[7]] = true
    elseif attempts < maxAttempts then
      -- It may be what killed its worker: lost twice, it shares no worker with another such job.
      keepError(jobKey, attempts,
        'Worker ' .. worker .. ' was lost while running attempt ' .. attempts .. ' (lease expired)')
      redis.call('HSET', jobKey, 'status', 'queued')
      redis.call('HINCRBY', jobKey, 'lost', 1)
      putReady(queued, prefix, f[7], readyScore(f[3], f[4], band), id, f[9], band)
      addJobEvent(events, maxEvents, 'type', 'recovered', 'job_ids', id,
        'attempts', attempts, 'worker_id', worker,
        'message', 'Recovered job ' .. id .. ' after worker ' .. worker .. ' was lost (attempt ' .. attempts .. ')',
        'time', nowUs)
      requeued = requeued + 1
      types[f[7]] = true
    else
      local err = 'Worker ' .. worker .. ' was lost while running attempt ' .. attempts ..
        ' (lease expired)'
      keepError(jobKey, attempts, err)
      redis.call('HSET', jobKey, 'status', 'failed', 'failed_at', nowUs)
      redis.call('EXPIRE', jobKey, ttl)
      redis.call('ZADD', failed, nowMs, id)
      addJobEvent(events, maxEvents, 'type', 'dead', 'job_ids', id,
        'attempts', attempts, 'error', err,
        'message', 'Job ' .. id .. ' permanently failed after ' .. attemptsSaid(attempts), 'time', nowUs)
      gaveUp = gaveUp + 1
    end
  end
end

if requeued > 0 then
  redis.call('HINCRBY', totals, 'recovered', requeued)
  for jobType in pairs(types) do wakeWorkersOf(prefix, jobType) end
end
if gaveUp > 0 then redis.call('HINCRBY', totals, 'failed', gaveUp) end
return { requeued, gaveUp }
