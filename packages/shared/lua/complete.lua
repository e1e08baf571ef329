--[[
complete: records the success of one or more jobs, each fenced by its lease token. A token that
no longer matches means the lease expired and the job was handed to someone else: that
completion is refused, so a lost worker never overwrites a newer attempt.

KEYS[1] active     zset of leased jobs
KEYS[2] completed  stream of completed job ids by finish time
KEYS[3] events     stream of transitions
KEYS[4] totals     hash of monotonic counters
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] retention of completed jobs (seconds)
ARGV[3] events stream max length (approximate)
ARGV[4] number of jobs n, then n groups of 3: id, lease token, result JSON ('' = none)

Returns one entry per job: 1 completed, 0 refused (lease lost).
]]
local active, completed, events, totals = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, ttl, maxEvents, n = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])

local t = redis.call('TIME')
local nowUs = t[1] .. string.format('%06d', tonumber(t[2]))
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Calls a command with many arguments in slices: Lua's unpack is limited to a few thousand.
local function callInSlices(command, key, values)
  for first = 1, #values, 1000 do
    redis.call(command, key, unpack(values, first, math.min(first + 999, #values)))
  end
end

local out, done = {}, {}
for i = 0, n - 1 do
  local id, token, result = ARGV[5 + i * 3], ARGV[6 + i * 3], ARGV[7 + i * 3]
  local jobKey = prefix .. 'job:' .. id
  if redis.call('HGET', jobKey, 'lease_token') == token then
    if result ~= '' then
      redis.call('HSET', jobKey, 'status', 'completed', 'completed_at', nowUs, 'result', result)
    else
      redis.call('HSET', jobKey, 'status', 'completed', 'completed_at', nowUs)
    end
    -- What only a waiting or running job needs goes: the record is kept for its retention time.
    redis.call('HDEL', jobKey, 'lease_token', 'seq', 'worker_id')
    redis.call('EXPIRE', jobKey, ttl)
    redis.call('XADD', events, 'MAXLEN', '~', maxEvents, '*', 'type', 'completed', 'job_id', id,
      'message', 'Job ' .. id .. ' completed successfully', 'time', nowUs)
    redis.call('XADD', completed, '*', 'id', id)
    done[#done + 1] = id
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end

if #done > 0 then
  callInSlices('ZREM', active, done)
  redis.call('HINCRBY', totals, 'completed', #done)
  -- The index may not outlive the records it points at.
  -- Exactly, not roughly (~): its length is the count of completed jobs /stats reports.
  redis.call('XTRIM', completed, 'MINID', nowMs - ttl * 1000)
end
return out
