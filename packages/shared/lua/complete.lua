--[[
complete: records the success of one or more jobs, each fenced by its lease token. A token that
no longer matches means the lease expired and the job was handed to someone else: that
completion is refused, so a lost worker never overwrites a newer attempt.

It also forgets completed jobs older than their retention: the record and its id in the
completed index go together, so /stats counts and listings match the records kept. Called with
no jobs it does only that (workers do so periodically, so an idle queue forgets on time too).
Completed records carry no TTL of their own: an expiry per key would cost more memory than the
record's whole share of the index.

KEYS[1] active     zset of leased jobs
KEYS[2] completed  stream, one entry per call that completed jobs: field `ids`, their ids (16
                   bytes each) in order; the entry id is the finish time
KEYS[3] events     stream of transitions
KEYS[4] totals     hash of monotonic counters
KEYS[5] completed_count  how many job ids the completed index holds (its length counts entries)
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] retention of completed jobs (seconds)
ARGV[3] events kept in the stream (approximate)
ARGV[4] number of jobs n
ARGV[5] the n ids as 16 bytes each, in order (for the completed index; one argument, which
        costs the client far less to send than n)
ARGV[6] n groups of 3: id, lease token, result JSON ('' = none)
then    m, and m ids: jobs claimed ahead (claim.lua ARGV[10]) that the worker has started since;
        their `ahead` mark goes. Not fenced: a mark cleared late only costs the job the attempt
        recover.lua would give back

Returns one entry per job: 1 completed, 0 refused (lease lost).
]]
-- nowUs, nowMs, leftActive, groupsLeft, groupsSeen, callInSlices and trimEvents: see
-- prelude.lua.
local active, completed, events, totals, completedCount =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prefix, ttl, maxEvents, n, idBytes =
  ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), ARGV[5]
-- Old jobs forgotten per call, at most about this many (whole index entries), so a burst that
-- ages out at once never makes a long call.
local MAX_FORGET = 2000

-- The 36-character id from its 16 bytes at `at` in `bytes`.
local HEX = string.rep('%02x', 16)
local function idAt(bytes, at)
  local hex = string.format(HEX, string.byte(bytes, at, at + 15))
  return hex:sub(1, 8) .. '-' .. hex:sub(9, 12) .. '-' .. hex:sub(13, 16) .. '-' ..
    hex:sub(17, 20) .. '-' .. hex:sub(21)
end

local out, done, doneBytes = {}, {}, {}
-- Jobs of concurrency-limited types done here, per type, and of each group: counted out once
-- per type and group.
local freed, groupsDone = {}, {}
for i = 0, n - 1 do
  local base = 6 + i * 3
  local id, token, result = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  local jobKey = prefix .. 'job:' .. id
  local held = redis.call('HMGET', jobKey, 'lease_token', 'limited', 'group')
  if held[1] == token then
    if held[2] then freed[held[2]] = (freed[held[2]] or 0) + 1 end
    if held[3] then groupsDone[held[3]] = (groupsDone[held[3]] or 0) + 1 end
    if result ~= '' then
      redis.call('HSET', jobKey, 'status', 'completed', 'completed_at', nowUs, 'result', result)
    else
      redis.call('HSET', jobKey, 'status', 'completed', 'completed_at', nowUs)
    end
    -- What only a waiting or running job needs goes: the record is kept for its retention time.
    redis.call('HDEL', jobKey, 'lease_token', 'seq', 'worker_id', 'unconfirmed', 'limited',
      'ahead')
    done[#done + 1] = id
    doneBytes[#doneBytes + 1] = string.sub(idBytes, i * 16 + 1, i * 16 + 16)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end

-- Jobs claimed ahead that their worker has started since: no longer `ahead`.
local confirms = tonumber(ARGV[6 + n * 3] or 0)
for j = 1, confirms do redis.call('HDEL', prefix .. 'job:' .. ARGV[6 + n * 3 + j], 'ahead') end

for jobType, count in pairs(freed) do leftActive(prefix, jobType, count) end
groupsLeft(prefix, groupsDone, 'done')
-- Seen now too: a group is forgotten only once idle, not while its last jobs' records are kept.
groupsSeen(prefix, groupsDone)
if #done > 0 then
  callInSlices('ZREM', active, done)
  -- One `completed` event entry for the whole call (events.ts reads a line per job from it).
  redis.call('XADD', events, '*', 'type', 'completed', 'time', nowUs,
    'job_ids', table.concat(done, ' '))
  redis.call('HINCRBY', totals, 'completed', #done)
  -- One index entry for the whole call: an entry per job would cost an XADD and its overhead.
  redis.call('XADD', completed, '*', 'ids', #done == n and idBytes or table.concat(doneBytes))
  redis.call('INCRBY', completedCount, #done)
  trimEvents(events, maxEvents, #done)
end

-- Forget completed jobs finished before the cutoff (entry ids are finish times in ms), whole
-- entries at a time, oldest first; their records go in one DEL per thousand.
local cutoff = nowMs - ttl * 1000
local doomed, lastDone, start = {}, nil, '-'
repeat
  local old = redis.call('XRANGE', completed, start, cutoff - 1, 'COUNT', 100)
  for _, entry in ipairs(old) do
    local ids = entry[2][2]
    for at = 1, #ids - 15, 16 do doomed[#doomed + 1] = prefix .. 'job:' .. idAt(ids, at) end
    lastDone = entry[1]
    if #doomed >= MAX_FORGET then break end
  end
  if lastDone then start = '(' .. lastDone end
until #old < 100 or #doomed >= MAX_FORGET
if lastDone then
  callInSlices('DEL', false, doomed)
  -- Exactly the entries forgotten: every id below the one right after the last of them.
  local ms, seq = string.match(lastDone, '^(%d+)-(%d+)$')
  redis.call('XTRIM', completed, 'MINID', ms .. '-' .. (tonumber(seq) + 1))
  redis.call('DECRBY', completedCount, #doomed)
end
return out
