--[[
prelude: joined in front of every script when it is loaded (scripts.ts), so each script starts
with what they all need. Line numbers in a script's error messages count these lines too.

nowUs                 Redis's clock, microseconds since the epoch, as text (what records store)
nowMs                 the same in milliseconds, as a number (scores, deadlines)
LAYOUT_VERSION        the key layout these scripts write (relane.lua)
priorityNumber(p)     a stored priority, an integer 1..10 or a label, as 1..10 (as priority.ts)
priorityBand(prefix)  how far apart one priority level puts two jobs in line, in microseconds:
                      PRIORITY_AGING_MS as the API stored it in `settings` (x 1000), or, with
                      aging off (0, or never stored), STRICT_BAND (about 17.8 years: no wait ever
                      makes up a level)
readyScore(p, seq, band)
                      a ready job's place in line: (10 - priority) * band + seq. A job's seq is
                      the microsecond it became ready, counted from EPOCH_US (nextSeq), so with
                      aging a job's place is its ready time less (priority - 1) x the aging
                      time, and with strict priority, FIFO within each level
layoutWith(band)      the `layout` key's value for this layout and band (relane.lua)
nextSeq(seqKey)       the next seq: the seq counter's next value, or the present microsecond if
                      that is later; and whether it is the queue's first
laneKey(prefix, jobType, group)
                      where a type's ready jobs of one group wait: `ready:<type>` for jobs of no
                      group, `ready:<type>:<group>` for a group's
placeGroup(prefix, jobType, group, band)
                      puts a group in its type's ring of turns (`turns:<type>`) at the place of
                      its next turn, (10 - priority of its lane's head) * band + its clock
                      (`clock:<type>` of `group:<group>`, kept while the group is), or out of
                      the ring when its lane is empty. A group joining the ring starts at its
                      own clock or the type's clock (`vclock`, the clock of the last turn taken),
                      whichever is later: its next job waits about one turn (claim.lua)
putReady(queued, prefix, jobType, score, id, group, band)
                      puts a job in line: in `queued` (every ready job, for counts and listings)
                      and in its lane, where workers that run the type claim it (claim.lua); a
                      job of a group also puts its group (and the jobs of no group, if any) in
                      the ring, which the type's claims then follow
takeReady(queued, prefix, jobType, id, group)
                      takes a job out of line: the opposite of putReady (a ring entry left
                      pointing at an empty lane is dropped by the next claim)
groupCountsKey(prefix, group)
                      the hash of a group's counts over every worker: `started` (claim), `done`
                      (complete) and `ended` (fail, recover, cancel); what runs now is started
                      less the other two; and its clock in each type's ring (`clock:<type>`,
                      placeGroup). A key per group, not a field per group in one hash:
                      Redis keeps a hash of a few hundred fields as a list, where each field is
                      found by a scan, and a claim or completion touches a field per group
groupRunning(prefix, group)
                      how many jobs of a group run now, over every worker
groupsLeft(prefix, counts, how), groupLeft(prefix, group, count, how)
                      jobs of groups leave `active` (counts: group -> how many), counted as
                      `done` or `ended` (how): they no longer run, and a group set aside at its
                      max_concurrency (`parked:<group>`, its name in `parked_groups`) goes back in
                      the rings of those types
groupsSeen(prefix, groups)
                      marks groups (group -> anything) active now in `gseen`
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

-- The key layout these scripts write (the `layout` key, as LAYOUT_VERSION .. ':' .. the band
-- its scores were made with): 2 added a lane per job type, 3 seqs in microseconds (relane.lua).
local LAYOUT_VERSION = '3'
local PRIORITY_LABELS = { high = 10, normal = 5, low = 1 }
local function priorityNumber(priority)
  return tonumber(priority) or PRIORITY_LABELS[priority] or 5
end

-- 2026-01-01T00:00:00Z: seqs count microseconds from here, so ten levels of STRICT_BAND and a
-- seq stay below 2^53, where scores are exact (until 2043).
local EPOCH_US = 1767225600000000
local STRICT_BAND = 562949953421312
local function priorityBand(prefix)
  local agingMs = tonumber(redis.call('HGET', prefix .. 'settings', 'priority_aging_ms') or 0)
  if agingMs > 0 then return agingMs * 1000 end
  return STRICT_BAND
end

-- What the `layout` key holds for a queue whose scores were made with this band.
local function layoutWith(band)
  return LAYOUT_VERSION .. ':' .. string.format('%d', band)
end

local function readyScore(priority, seq, band)
  return (10 - priorityNumber(priority)) * band + tonumber(seq)
end

local function nextSeq(seqKey)
  local seq = redis.call('INCR', seqKey)
  local present = tonumber(nowUs) - EPOCH_US
  if seq < present then
    redis.call('SET', seqKey, present)
    return present, seq == 1
  end
  return seq, seq == 1
end

local function laneKey(prefix, jobType, group)
  if group and group ~= '' then return prefix .. 'ready:' .. jobType .. ':' .. group end
  return prefix .. 'ready:' .. jobType
end

local function groupCountsKey(prefix, group)
  return prefix .. 'group:' .. group
end

local function placeGroup(prefix, jobType, group, band)
  local ring, counts, field = prefix .. 'turns:' .. jobType, groupCountsKey(prefix, group),
    'clock:' .. jobType
  local head = redis.call('ZRANGE', laneKey(prefix, jobType, group), 0, 0)
  if not head[1] then
    -- Its clock stays: it goes when the group is forgotten (submit.lua).
    redis.call('ZREM', ring, group)
    return
  end
  -- A group never starts behind the type's clock: one that fell behind (set aside at its limit,
  -- or gone a while) would otherwise take many turns in a row.
  local own = tonumber(redis.call('HGET', counts, field) or 0)
  local clock = math.max(own, tonumber(redis.call('HGET', prefix .. 'vclock', jobType) or 0))
  if clock ~= own then redis.call('HSET', counts, field, clock) end
  local priority = redis.call('HGET', prefix .. 'job:' .. head[1], 'priority')
  redis.call('ZADD', ring, (10 - priorityNumber(priority)) * band + clock, group)
end

-- A job of a group, or of no group while the type's ring is in use, puts its group in the ring.
local function placeInTurns(prefix, jobType, group, band)
  local ring = prefix .. 'turns:' .. jobType
  if group and group ~= '' then
    -- The ring starts: the jobs of no group already waiting take their turns in it too.
    if redis.call('ZCARD', ring) == 0 and redis.call('EXISTS', laneKey(prefix, jobType, '')) == 1
    then
      placeGroup(prefix, jobType, '', band)
    end
    placeGroup(prefix, jobType, group, band)
  elseif redis.call('EXISTS', ring) == 1 then
    placeGroup(prefix, jobType, '', band)
  end
end

local function putReady(queued, prefix, jobType, score, id, group, band)
  redis.call('ZADD', queued, score, id)
  redis.call('ZADD', laneKey(prefix, jobType, group), score, id)
  placeInTurns(prefix, jobType, group, band)
end

local function takeReady(queued, prefix, jobType, id, group)
  redis.call('ZREM', queued, id)
  if jobType then redis.call('ZREM', laneKey(prefix, jobType, group), id) end
end

local function groupRunning(prefix, group)
  local c = redis.call('HMGET', groupCountsKey(prefix, group), 'started', 'done', 'ended')
  return (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0) - (tonumber(c[3]) or 0)
end

-- Marks these groups active now (`gseen`, what GET /groups and /metrics read), in one call.
local function groupsSeen(prefix, groups)
  -- The time as text once: a number argument is formatted anew for every group.
  local args, at = {}, string.format('%d', nowMs)
  for group in pairs(groups) do
    if group ~= '' then
      args[#args + 1] = at
      args[#args + 1] = group
    end
  end
  if #args > 0 then redis.call('ZADD', prefix .. 'gseen', unpack(args)) end
end

local function groupsLeft(prefix, counts, how)
  local groups = {}
  for group, count in pairs(counts) do
    if group ~= '' then
      groups[#groups + 1] = group
      if count ~= 0 then redis.call('HINCRBY', groupCountsKey(prefix, group), how, count) end
    end
  end
  if #groups == 0 then return end
  -- Most of the time no group is parked: one look, not one per group.
  if redis.call('EXISTS', prefix .. 'parked_groups') == 0 then return end
  local parkedNow = redis.call('SMISMEMBER', prefix .. 'parked_groups', unpack(groups))
  local band
  for i, group in ipairs(groups) do
    if parkedNow[i] == 1 then
      local parked = prefix .. 'parked:' .. group
      local types = redis.call('SMEMBERS', parked)
      redis.call('DEL', parked)
      redis.call('SREM', prefix .. 'parked_groups', group)
      band = band or priorityBand(prefix)
      for _, jobType in ipairs(types) do
        -- As a job of the group arriving would: the ring may have gone meanwhile, with the
        -- jobs of no group back in their lane alone.
        placeInTurns(prefix, jobType, group, band)
        redis.call('ZADD', prefix .. 'marker:' .. jobType, 0, '0')
      end
    end
  end
end

local function groupLeft(prefix, group, count, how)
  if group then groupsLeft(prefix, { [group] = count or 1 }, how or 'ended') end
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

-- A type's limit `name` in force: its run-time override's (null there removes it), else its
-- declaration's. `declared` and `override` are its fields in `limits`, decoded, or false/nil
-- (HMGET's missing field).
local function limitInForce(declared, override, name)
  local value = override and override[name] or nil
  if value == nil then value = declared and declared[name] or nil end
  if value == cjson.null then return nil end
  return value
end

-- "1 attempt", "3 attempts": how a finished job's line counts them.
local function attemptsSaid(count)
  return count .. (tonumber(count) == 1 and ' attempt' or ' attempts')
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
