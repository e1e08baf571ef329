--[[
complete: records the success of one or more jobs, each fenced by its lease token. A token that
no longer matches means the lease expired and the job was handed to someone else: that
completion is refused, so a lost worker never overwrites a newer attempt.

It also forgets completed jobs older than their retention: the record and its entry in the
completed index go together, so /stats counts and listings match the records kept. Called with
no jobs it does only that (workers do so periodically, so an idle queue forgets on time too).
Completed records carry no TTL of their own: an expiry per key would cost more memory than the
record's whole entry in the index.

KEYS[1] active     zset of leased jobs
KEYS[2] completed  stream of completed job ids (16 bytes each), entry id = finish time
KEYS[3] events     stream of transitions
KEYS[4] totals     hash of monotonic counters
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] retention of completed jobs (seconds)
ARGV[3] events stream max length (approximate)
ARGV[4] number of jobs n, then n groups of 4: id, the id as its 16 bytes, lease token,
        result JSON ('' = none)

Returns one entry per job: 1 completed, 0 refused (lease lost).
]]
local active, completed, events, totals = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, ttl, maxEvents, n = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
-- Most old jobs forgotten per call, so a burst that ages out at once never makes a long call.
local MAX_FORGET = 2000

local t = redis.call('TIME')
local nowUs = t[1] .. string.format('%06d', tonumber(t[2]))
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Calls a command with many arguments in slices: Lua's unpack is limited to a few thousand.
local function callInSlices(command, key, values)
  for first = 1, #values, 1000 do
    redis.call(command, key, unpack(values, first, math.min(first + 999, #values)))
  end
end

-- The 36-character id back from its 16 bytes.
local HEX = string.rep('%02x', 16)
local function idFromBytes(bytes)
  if #bytes ~= 16 then return bytes end
  local hex = string.format(HEX, string.byte(bytes, 1, 16))
  return hex:sub(1, 8) .. '-' .. hex:sub(9, 12) .. '-' .. hex:sub(13, 16) .. '-' ..
    hex:sub(17, 20) .. '-' .. hex:sub(21)
end

local out, done = {}, {}
for i = 0, n - 1 do
  local base = 5 + i * 4
  local id, idBytes, token, result = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
  local jobKey = prefix .. 'job:' .. id
  if redis.call('HGET', jobKey, 'lease_token') == token then
    if result ~= '' then
      redis.call('HSET', jobKey, 'status', 'completed', 'completed_at', nowUs, 'result', result)
    else
      redis.call('HSET', jobKey, 'status', 'completed', 'completed_at', nowUs)
    end
    -- What only a waiting or running job needs goes: the record is kept for its retention time.
    redis.call('HDEL', jobKey, 'lease_token', 'seq', 'worker_id')
    redis.call('XADD', events, '*', 'type', 'completed', 'job_id', id,
      'message', 'Job ' .. id .. ' completed successfully', 'time', nowUs)
    redis.call('XADD', completed, '*', 'id', idBytes)
    done[#done + 1] = id
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end

if #done > 0 then
  callInSlices('ZREM', active, done)
  redis.call('HINCRBY', totals, 'completed', #done)
  -- One trim for the whole call: trimming on every XADD costs a third of the XADD.
  redis.call('XTRIM', events, 'MAXLEN', '~', maxEvents)
end

-- Forget completed jobs finished before the cutoff (entry ids are finish times in ms).
local cutoff = nowMs - ttl * 1000
local old = redis.call('XRANGE', completed, '-', cutoff - 1, 'COUNT', MAX_FORGET + 1)
local forget = math.min(#old, MAX_FORGET)
for i = 1, forget do
  redis.call('DEL', prefix .. 'job:' .. idFromBytes(old[i][2][2]))
end
if forget > 0 then
  -- Up to the first entry left for the next call, or else everything before the cutoff.
  redis.call('XTRIM', completed, 'MINID', old[MAX_FORGET + 1] and old[MAX_FORGET + 1][1] or cutoff)
end
return out
