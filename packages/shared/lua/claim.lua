--[[
claim: leases up to `count` ready jobs to one worker, most urgent first, FIFO within a priority.
In the same step each job moves into `active` with a lease deadline, gets `picked_at`, one more
attempt and a fresh lease token, so a job is never held only in a worker's memory.

KEYS[1] queued     zset of ready jobs
KEYS[2] active     zset of leased jobs, score = lease deadline (ms)
KEYS[3] scheduled  zset of waiting jobs, read for the earliest due time
KEYS[4] marker     zset workers block on
KEYS[5] events     stream of transitions
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] most jobs to claim
ARGV[3] lease length (ms)
ARGV[4] worker id
ARGV[5] lease token base, unique per call; each job's token is base .. ':' .. index
ARGV[6] events stream max length (approximate)
ARGV[7] how many jobs the worker runs now

A job whose last attempt was lost with its worker (`run_alone`, set by recover) may be what
killed that worker, so it runs alone: only a worker running nothing claims it, as the only job
of the claim; any other claim stops in front of it. A job that kills every worker it runs on
then takes no other job down with it after the first time.

Returns { Redis time (ms), earliest scheduled due time (ms) or -1, alone, then per job 8 entries:
          id, lease token, job_type, payload, attempts, max_attempts, priority as given,
          ms the job waited: since it was due (its run_at or retry time) or else created }
        alone: 0; 1 when a job that must run alone is next in line and was left there;
        2 when the one job claimed must run alone (the worker claims nothing else meanwhile).
]]
local queued, active, scheduled, marker, events = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prefix, count, leaseMs, workerId, tokenBase, maxEvents, running =
  ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7] or 0)

local t = redis.call('TIME')
local nowUs = t[1] .. string.format('%06d', tonumber(t[2]))
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Calls a command with many arguments in slices: Lua's unpack is limited to a few thousand.
local function callInSlices(command, key, values)
  for first = 1, #values, 1000 do
    redis.call(command, key, unpack(values, first, math.min(first + 999, #values)))
  end
end

local out = { nowMs, -1, 0 }
-- One read per job gives everything: its fields, whether it exists, whether it must run alone.
local popped, claimed = {}, {}
for _, id in ipairs(redis.call('ZRANGE', queued, 0, count - 1)) do
  local f = redis.call('HMGET', prefix .. 'job:' .. id, 'job_type', 'payload', 'max_attempts',
    'priority', 'next_attempt_at', 'created_at', 'attempts', 'run_alone')
  if f[8] then
    if running > 0 or #popped > 0 then
      out[3] = 1
      break
    end
    out[3] = 2
    popped[1] = id
    claimed[1] = { id, f }
    break
  end
  popped[#popped + 1] = id
  -- A job hash can only be missing if someone deleted it by hand; drop it rather than run nothing.
  if f[1] then claimed[#claimed + 1] = { id, f } end
end
if #popped > 0 then callInSlices('ZREM', queued, popped) end

local leases = {}
for i, job in ipairs(claimed) do
  local id, f = job[1], job[2]
  local jobKey = prefix .. 'job:' .. id
  local token = tokenBase .. ':' .. i
  local readyUs = tonumber(f[5] or f[6]) or tonumber(nowUs)
  local attempts = tonumber(f[7] or 0) + 1
  redis.call('HSET', jobKey, 'status', 'processing', 'picked_at', nowUs, 'lease_token', token,
    'worker_id', workerId, 'attempts', attempts)
  if f[5] or f[8] then redis.call('HDEL', jobKey, 'next_attempt_at', 'run_alone') end
  leases[#leases + 1] = nowMs + leaseMs
  leases[#leases + 1] = id
  redis.call('XADD', events, 'MAXLEN', '~', maxEvents, '*', 'type', 'picked', 'job_id', id,
    'attempt', attempts, 'worker_id', workerId, 'message', 'Picked job ' .. id, 'time', nowUs)
  redis.call('XADD', events, 'MAXLEN', '~', maxEvents, '*', 'type', 'processing', 'job_id', id,
    'attempt', attempts, 'worker_id', workerId,
    'message', 'Processing job ' .. id .. ': ' .. f[2], 'time', nowUs)
  out[#out + 1] = id; out[#out + 1] = token; out[#out + 1] = f[1]; out[#out + 1] = f[2]
  out[#out + 1] = attempts; out[#out + 1] = f[3]; out[#out + 1] = f[4]
  out[#out + 1] = math.max(0, math.floor((tonumber(nowUs) - readyUs) / 1000))
end
if #leases > 0 then callInSlices('ZADD', active, leases) end

-- Pass the wake-up on: another blocked worker takes what this one left (an idle one takes a
-- job that must run alone).
if (#popped > 0 or out[3] == 1) and redis.call('ZCARD', queued) > 0 then
  redis.call('ZADD', marker, 0, '0')
end
local due = redis.call('ZRANGE', scheduled, 0, 0, 'WITHSCORES')
if due[2] then out[2] = tonumber(due[2]) end
return out
