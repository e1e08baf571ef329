--[[
prelude: joined in front of every script when it is loaded (scripts.ts), so each script starts
with what they all need. Line numbers in a script's error messages count these lines too.

nowUs                 Redis's clock, microseconds since the epoch, as text (what records store)
nowMs                 the same in milliseconds, as a number (scores, deadlines)
LAYOUT_VERSION        the key layout these scripts write (relane.lua)
PRIORITY_BAND         2^42 sequence numbers per priority level: a ready job's score is
                      (10 - priority) * PRIORITY_BAND + seq, so equal priorities keep FIFO order
priorityNumber(p)     a stored priority, an integer 1..10 or a label, as 1..10 (as priority.ts)
readyScore(p, seq)    a ready job's place in line from its stored priority and its seq
putReady(queued, prefix, jobType, score, id)
                      puts a job in line: in `queued` (every ready job, for counts and listings)
                      and in `ready:<type>`, its type's lane, where workers that run the type
                      claim it (claim.lua)
takeReady(queued, prefix, jobType, id)
                      takes a job out of line: the opposite of putReady
callInSlices(command, key, values)
                      calls a command with many arguments in slices: Lua's unpack is limited to a
                      few thousand; key false when the values are themselves the keys (DEL)
trimEvents(events, maxEvents, added)
                      trims the events stream after a call added one entry of `added` events
                      (events.ts decodes an entry into one event per job and log line): it keeps
                      about maxEvents events, counted in entries the size of this one
wakeWorkersOf(prefix, jobType)
                      wakes one worker blocked on the marker of that job type (`marker:<type>`):
                      only workers that run the type wait there, so no other takes the wake-up
keepError(jobKey, attempt, err)
                      keeps a failed attempt in the record's `errors` (JSON list of {attempt,
                      error, at}, the last ERRORS_KEPT) beside `last_error`
leftActive(prefix, limitedType, count, wake)
                      jobs leave `active` (completed, failed, recovered, cancelled): when they
                      were counted against their type's max_concurrency (`limited`, claim.lua,
                      which the caller deletes with the lease fields), they no longer are, and a
                      worker of the type is woken (unless wake is false: the caller wakes once)
addJobEvent(events, maxEvents, field, value, ...)
                      adds an entry of one job's event (fields type, job_ids, attempts, message,
                      error, ...) and trims as above: every entry has the same shape, a job_ids
                      list, whether it is about one job or a thousand
]]
local nowUs, nowMs
do
  local t = redis.call('TIME')
  nowUs = t[1] .. string.format('%06d', tonumber(t[2]))
  nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local PRIORITY_BAND = 4398046511104
-- The key layout these scripts write (the `layout` key): 2 has a lane per job type (relane.lua).
local LAYOUT_VERSION = '2'
local PRIORITY_LABELS = { high = 10, normal = 5, low = 1 }
local function priorityNumber(priority)
  return tonumber(priority) or PRIORITY_LABELS[priority] or 5
end

local function readyScore(priority, seq)
  return (10 - priorityNumber(priority)) * PRIORITY_BAND + tonumber(seq)
end

local function putReady(queued, prefix, jobType, score, id)
  redis.call('ZADD', queued, score, id)
  redis.call('ZADD', prefix .. 'ready:' .. jobType, score, id)
end

local function takeReady(queued, prefix, jobType, id)
  redis.call('ZREM', queued, id)
  if jobType then redis.call('ZREM', prefix .. 'ready:' .. jobType, id) end
end

local function callInSlices(command, key, values)
  for first = 1, #values, 1000 do
    local last = math.min(first + 999, #values)
    if key then
      redis.call(command, key, unpack(values, first, last))
    else
      redis.call(command, unpack(values, first, last))
    end
  end
end

local function trimEvents(events, maxEvents, added)
  redis.call('XTRIM', events, 'MAXLEN', '~', math.max(1, math.ceil(tonumber(maxEvents) / added)))
end

local function addJobEvent(events, maxEvents, ...)
  redis.call('XADD', events, '*', ...)
  trimEvents(events, maxEvents, 1)
end

local ERRORS_KEPT = 20
local function keepError(jobKey, attempt, err)
  local kept = redis.call('HGET', jobKey, 'errors')
  local errors = kept and cjson.decode(kept) or {}
  errors[#errors + 1] = { attempt = tonumber(attempt), error = err, at = nowUs }
  while #errors > ERRORS_KEPT do table.remove(errors, 1) end
  redis.call('HSET', jobKey, 'errors', cjson.encode(errors), 'last_error', err)
end

local function wakeWorkersOf(prefix, jobType)
  redis.call('ZADD', prefix .. 'marker:' .. jobType, 0, '0')
end

local function leftActive(prefix, limitedType, count, wake)
  if not limitedType then return end
  redis.call('HINCRBY', prefix .. 'running', limitedType, -(count or 1))
  -- A slot of its type is free: a worker held back by the limit may claim again.
  if wake ~= false then wakeWorkersOf(prefix, limitedType) end
end
