--[[
claim: leases up to `count` ready jobs to one worker, most urgent first, FIFO within a priority.
In the same step each job moves into `active` with a lease deadline, gets `picked_at`, one more
attempt and a fresh lease token, so a job is never held only in a worker's memory.

KEYS[1] queued     zset of ready jobs
KEYS[2] active     zset of leased jobs, score = lease deadline (ms)
KEYS[3] scheduled  zset of waiting jobs, read for the earliest due time
KEYS[4] events     stream of transitions
KEYS[5] paused     hash: '*' when the whole queue is paused, a type's name when that type is;
                   a paused lane is not claimed from (its jobs keep their place)
KEYS[6] limits     hash: <type> -> the limits its declaration sets, <type>:override -> those set
                   at run time (JSON {max_concurrency?, rate_limit?: {max, per_ms}}; an override
                   field wins, null in it removes the limit). A lane is claimed from only as far
                   as its limits allow, over every worker: `running` counts the type's jobs
                   running now (jobs claimed under the limit carry `limited`), `starts:<type>`
                   holds its recent starts (recentStarts, below). Its other jobs keep their
                   place; other lanes go on.
KEYS[7] running    hash: type -> jobs of a concurrency-limited type running now
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] most jobs to claim
ARGV[3] lease length (ms)
ARGV[4] worker id
ARGV[5] lease token base, unique per call; each job's token is base .. ':' .. index
ARGV[6] events kept in the stream (approximate)
ARGV[7] 1 when the worker already runs a suspect job (below), else 0
ARGV[8] 0, or for a claim that waited in Redis behind its worker's wait: the ms it stays leased
        unless the worker confirms the job (extend.lua). Such a job is marked `unconfirmed`, so
        that if its worker froze and never started it, recover.lua does not count the attempt.
ARGV[9] the job types this worker runs, space-separated. It claims from their lanes only
        (ready:<type>, each a zset scored like `queued`), merged so that it takes the most urgent,
        oldest of them first: a job of another type never reaches it, and never stands in its way.
ARGV[10] how many of the jobs find a free slot at once (the worker's free slots when it sent the
        claim, a bound: more may have freed since; default all, and all in a claim behind a
        wait). The others are claimed ahead: they may wait in the worker for a slot, marked
        `ahead` until it says it started them (with its next completions: complete.lua). A worker
        that dies before starting one costs it no attempt (recover.lua). A job lost before is
        never marked: one that kills its worker before the worker could say it started is given
        its attempt back once at most.

Groups take turns. A type whose ring of turns (`turns:<type>`, see placeGroup in prelude.lua)
holds groups offers, as its lane's head, the head of the group whose turn is next: the lowest
(10 - priority of its head) * band + its clock. Taking a job moves the group's clock on by one
turn over its weight (`groups`: PUT /groups/:name), so within a priority the groups with jobs
waiting are served in turns, FIFO within each, a heavier group more turns; a group at its
max_concurrency (counted over every worker: groupRunning) leaves the ring until one of its jobs
ends (groupLeft), its jobs keeping their place.

A job whose attempts were lost with their worker twice (`lost`, counted by recover) is a
suspect: it may be what killed those workers. Two suspects never share a worker: a claim takes at
most one, and none when the worker already runs one; it passes over the suspects it may not take
(at most MAX_PASSED; they stay where they are) and claims the jobs behind them. So a job that
kills every worker it runs on runs max_attempts times (once more if it was claimed ahead and killed
its worker before the worker said it started: ARGV[10]) and costs any other job at most two
attempts (the default max_attempts is 3), while a death that is no job's fault (a crash, a deploy,
a frozen host) costs the jobs it lost one attempt and no throughput: they run again side by side,
and even suspects take one slot per worker, never a whole worker or the whole queue.

Returns { Redis time (ms), earliest scheduled due time (ms) or -1, suspects passed over (left
          for a worker without one), then per job 10 entries: id, lease token, job_type, payload,
          attempts, max_attempts, priority as given, ms the job waited: since it was due (its
          run_at or retry time) or else created, 1 if it is a suspect, 2 if it is marked `ahead`
          (ARGV[10]) else 0, its timeout in ms (0 = none) }; the header's 4th entry: ms until a
          lane held back by its rate limit may start a job again, or -1 }
]]
-- nowUs, nowMs, priorityBand, laneKey, limitInForce, callInSlices, trimEvents and
-- wakeWorkersOf: see prelude.lua.
local queued, active, scheduled, events, paused, limits, running =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local prefix, count, leaseMs, workerId, tokenBase, maxEvents, holdsSuspect, confirmWithinMs =
  ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], ARGV[7] == '1',
  tonumber(ARGV[8] or 0)
local startNow = confirmWithinMs > 0 and count or tonumber(ARGV[10] or count)
local MAX_PASSED = 1000
local SUSPECT_AFTER_LOSSES = 2
-- What one turn moves a group's clock on by, in the units of places (microseconds): so with
-- PRIORITY_AGING_MS, a level of priority is worth as many turns as it is milliseconds.
local TURN = 1000
local CHUNK = math.max(1, math.min(count, 100))

-- Each lane is read from its head, CHUNK entries at a time; `buffer` holds what was read and
-- not yet looked at, `offset` where the next read starts (the jobs passed over stay in place).
-- A worker of one type has nothing to compare its lane's head with, so it pops instead of
-- reading (one command a claim, not a read and a removal) and puts back what it passes over.
local lanes, named, names = {}, {}, { '*' }
for jobType in string.gmatch(ARGV[9], '%S+') do
  if not named[jobType] then
    named[jobType] = true
    names[#names + 1] = jobType
  end
end
-- One read says what is paused: the queue, or some of these types.
local pausedNow = redis.call('HMGET', paused, unpack(names))
if not pausedNow[1] then
  for i = 2, #names do
    if not pausedNow[i] then
      local ring = prefix .. 'turns:' .. names[i]
      lanes[#lanes + 1] = { type = names[i], key = prefix .. 'ready:' .. names[i], buffer = {},
        next = 1, offset = 0, done = false, taken = {},
        ring = redis.call('ZCARD', ring) > 0 and ring or nil, skip = 0, clocks = {} }
    end
  end
end
-- A rate-limited type's starts in its window, which ends at `cutoff` (ms, excluded). Each claim
-- adds one entry to `starts:<type>` for all the jobs it started (they started at the same
-- instant): member '<count> <lease token base> <time (us)>', unique per run even for a claim
-- its client sent twice, score its time (ms). The sum of those counts is kept beside it
-- (`starts_count:<type>`), so a claim costs a few commands however many jobs it starts, not a
-- ZADD and a removal per job. An entry without a count (one per job, as releases before this
-- one wrote them) counts one.
local function startsIn(entry)
  return tonumber(string.match(entry, '^(%d+) ')) or 1
end
local function sumOfStarts(entries)
  local sum = 0
  for _, entry in ipairs(entries) do sum = sum + startsIn(entry) end
  return sum
end
local function recentStarts(starts, counted, cutoff, max)
  local count = tonumber(redis.call('GET', counted))
  local old = redis.call('ZRANGEBYSCORE', starts, '-inf', cutoff)
  if #old > 0 then
    redis.call('ZREMRANGEBYSCORE', starts, '-inf', cutoff)
    if count then count = count - sumOfStarts(old) end
  end
  -- The count is made again from the entries when there is none, when it cannot be right, and
  -- before it holds the type back: a count gone wrong (the set changed by hand, or by a release
  -- that kept no count) never holds a type back for longer than one claim.
  if not count or count < 0 or count >= max then
    count = sumOfStarts(redis.call('ZRANGE', starts, 0, -1))
  end
  if count > 0 then
    redis.call('SET', counted, string.format('%d', count))
  else
    redis.call('DEL', counted)
  end
  return count
end

-- Each lane's limits (one read for all), and how many jobs they let this claim take from it.
local heldBackMs = -1
if #lanes > 0 then
  local fields = {}
  for _, lane in ipairs(lanes) do
    fields[#fields + 1] = lane.type
    fields[#fields + 1] = lane.type .. ':override'
  end
  local set = redis.call('HMGET', limits, unpack(fields))
  for i, lane in ipairs(lanes) do
    lane.allow, lane.claimed = count, 0
    if set[2 * i - 1] or set[2 * i] then
      local declared = set[2 * i - 1] and cjson.decode(set[2 * i - 1])
      local override = set[2 * i] and cjson.decode(set[2 * i])
      local maxConcurrency = limitInForce(declared, override, 'max_concurrency')
      local rate = limitInForce(declared, override, 'rate_limit')
      if maxConcurrency then
        lane.limited = true
        local now = tonumber(redis.call('HGET', running, lane.type) or 0)
        lane.allow = math.min(lane.allow, math.max(0, maxConcurrency - now))
      end
      if rate then
        lane.starts = prefix .. 'starts:' .. lane.type
        lane.startsCounted = prefix .. 'starts_count:' .. lane.type
        local recent = recentStarts(lane.starts, lane.startsCounted, nowMs - rate.per_ms,
          rate.max)
        lane.allow = math.min(lane.allow, math.max(0, rate.max - recent))
        if recent >= rate.max and (lane.ring or redis.call('ZCARD', lane.key) > 0) then
          -- No start in the window at all (a limit of 0): held back a whole window.
          local oldest = redis.call('ZRANGE', lane.starts, 0, 0, 'WITHSCORES')
          local freeIn = math.max(1, (tonumber(oldest[2]) or nowMs) + rate.per_ms - nowMs)
          if heldBackMs < 0 or freeIn < heldBackMs then heldBackMs = freeIn end
        end
      end
    end
  end
end

local popsLane = #lanes == 1 and not lanes[1].ring
local putBack = {}
local band

-- Groups' settings ({weight, max_concurrency}), each read once a claim (none at all when no
-- group has any), and the jobs of each group this claim took.
local groupSettings, groupTaken = {}, {}
local anySettings
local function settingsOf(group)
  local settings = groupSettings[group]
  if settings == nil then
    if anySettings == nil then anySettings = redis.call('HLEN', prefix .. 'groups') > 0 end
    local stored = anySettings and group ~= '' and redis.call('HGET', prefix .. 'groups', group)
    settings = stored and cjson.decode(stored) or {}
    if settings.max_concurrency then settings.running = groupRunning(prefix, group) end
    groupSettings[group] = settings
  end
  return settings
end
local function groupFull(group)
  local settings = settingsOf(group)
  return settings.max_concurrency ~= nil and settings.max_concurrency ~= cjson.null and
    settings.running + (groupTaken[group] or 0) >= settings.max_concurrency
end

-- Each group's clock as this claim moved it (written back once, at the end), per ring lane:
-- every group in `lane.clocks` took a turn here.
local function clockOf(lane, group)
  local clock = lane.clocks[group]
  if not clock then
    clock = tonumber(redis.call('HGET', groupCountsKey(prefix, group), 'clock:' .. lane.type) or 0)
    lane.clocks[group] = clock
  end
  return clock
end

-- The priority class of a lane's job from its place: with strict priority (the band far wider
-- than any seq) the place says it; with aging the record does.
local function classOf(id, score)
  band = band or priorityBand(prefix)
  if band == STRICT_BAND then return math.floor(score / band) end
  return 10 - priorityNumber(redis.call('HGET', prefix .. 'job:' .. id, 'priority'))
end

-- A group at its max_concurrency is set aside (`parked:<group>`) until one of its jobs ends.
local function parkGroup(lane, group)
  redis.call('ZREM', lane.ring, group)
  redis.call('SADD', prefix .. 'parked:' .. group, lane.type)
  redis.call('SADD', prefix .. 'parked_groups', group)
end

-- The head of the group whose turn is next in a ring lane (its id, place and group, and the
-- job behind it), or nil. Groups whose lanes emptied leave the ring; full groups are parked.
local function ringHead(lane)
  -- A candidate read before another lane (a type this worker also runs) took a job of its group
  -- may no longer fit the group's max_concurrency.
  if lane.cand and groupFull(lane.cand.group) then
    parkGroup(lane, lane.cand.group)
    lane.cand = nil
  end
  local looked = 0
  while not lane.cand and looked < MAX_PASSED do
    looked = looked + 1
    local entry = redis.call('ZRANGE', lane.ring, lane.skip, lane.skip)
    local group = entry[1]
    if not group then return nil end
    local key = laneKey(prefix, lane.type, group)
    local top = redis.call('ZRANGE', key, 0, 1, 'WITHSCORES')
    if not top[1] then
      redis.call('ZREM', lane.ring, group)
    elseif groupFull(group) then
      parkGroup(lane, group)
    else
      lane.cand = { id = top[1], score = tonumber(top[2]), group = group, key = key,
        nextId = top[3], nextScore = tonumber(top[4]) }
    end
  end
  return lane.cand and lane.cand.score
end

-- The ring lane's candidate was taken: its group's clock moves on a turn (over its weight) and
-- the group goes back in the ring at its next head's place, or out with nothing left. Out, its
-- clock stays where its next turn would be: a job it submits next waits its turn like the
-- others', not at the place of the turn it just took (it would take every turn, one job at a time).
local function ringTaken(lane)
  local cand = lane.cand
  lane.cand = nil
  -- The candidate is its lane's head: a pop, not a search by id (in a short lane, kept by Redis
  -- as a list, a removal by id compares it with every member).
  redis.call('ZPOPMIN', cand.key)
  groupTaken[cand.group] = (groupTaken[cand.group] or 0) + 1
  if lane.vclock == nil then
    lane.vclock = tonumber(redis.call('HGET', prefix .. 'vclock', lane.type) or 0)
  end
  local clock = math.max(clockOf(lane, cand.group), lane.vclock)
  lane.vclock = clock
  lane.last = clock
  clock = clock + TURN / (tonumber(settingsOf(cand.group).weight) or 1)
  lane.clocks[cand.group] = clock
  if not cand.nextId then
    redis.call('ZREM', lane.ring, cand.group)
    return
  end
  redis.call('ZADD', lane.ring, classOf(cand.nextId, cand.nextScore) * band + clock, cand.group)
end

-- Jobs taken, suspects passed over, and entries dropped (below): a claim looks at no more
-- than MAX_PASSED jobs it does not take.
local popped, passed, dropped = 0, 0, 0
local function head(lane)
  -- A lane its limits hold back offers nothing more to this claim.
  if lane.claimed >= lane.allow then return nil end
  if lane.ring then return ringHead(lane) end
  if lane.next > #lane.buffer and not lane.done then
    if popsLane then
      -- Never more than the loop looks at before it stops, so nothing popped is left out.
      local want = math.min(count - popped, MAX_PASSED - passed - dropped,
        lane.allow - lane.claimed)
      lane.buffer = redis.call('ZPOPMIN', lane.key, want)
      if #lane.buffer < want * 2 then lane.done = true end
    else
      lane.buffer = redis.call('ZRANGE', lane.key, lane.offset, lane.offset + CHUNK - 1,
        'WITHSCORES')
      if #lane.buffer < CHUNK * 2 then lane.done = true end
    end
    lane.next = 1
    lane.offset = lane.offset + CHUNK
  end
  if lane.next > #lane.buffer then return nil end
  return tonumber(lane.buffer[lane.next + 1])
end

local out = { nowMs, -1, 0, heldBackMs }
-- Takes the most urgent job at the head of any lane, until `count` are taken. A suspect this
-- worker may not take is passed over and stays where it is, keeping its place in line.
local claimed, removed = {}, {}
while popped < count and passed + dropped < MAX_PASSED do
  local best, bestScore
  for _, lane in ipairs(lanes) do
    local score = head(lane)
    if score and (not bestScore or score < bestScore) then best, bestScore = lane, score end
  end
  if not best then break end
  local id, score
  if best.ring then
    id, score = best.cand.id, best.cand.score
  else
    id, score = best.buffer[best.next], best.buffer[best.next + 1]
    best.next = best.next + 2
  end
  local jobKey = prefix .. 'job:' .. id
  local f = redis.call('HMGET', jobKey, 'job_type', 'payload', 'max_attempts',
    'priority', 'next_attempt_at', 'created_at', 'attempts', 'lost', 'status', 'timeout_ms',
    'group', 'ahead')
  local suspect = tonumber(f[8] or 0) >= SUSPECT_AFTER_LOSSES
  if f[9] ~= 'queued' then
    -- Not in line any more (its record expired or was deleted, or a process of an earlier
    -- release moved it without knowing lanes): dropped from the line, never claimed.
    dropped = dropped + 1
    removed[#removed + 1] = id
    if best.ring then
      redis.call('ZPOPMIN', best.cand.key)
      best.cand = nil
    else
      best.taken[#best.taken + 1] = id
    end
  elseif suspect and holdsSuspect then
    passed = passed + 1
    if popsLane then
      putBack[#putBack + 1] = score
      putBack[#putBack + 1] = id
    elseif best.ring then
      -- Its group waits for another claim: the next group in the ring has its turn.
      best.cand = nil
      best.skip = best.skip + 1
    end
  else
    if suspect then holdsSuspect = true end
    popped = popped + 1
    best.claimed = best.claimed + 1
    removed[#removed + 1] = id
    if best.ring then ringTaken(best) else best.taken[#best.taken + 1] = id end
    claimed[#claimed + 1] = { id, jobKey, f, best }
  end
end
out[3] = passed
if #removed > 0 then
  callInSlices('ZREM', queued, removed)
  for _, lane in ipairs(lanes) do
    if #lane.taken > 0 and not popsLane then callInSlices('ZREM', lane.key, lane.taken) end
  end
end
if #putBack > 0 then callInSlices('ZADD', lanes[1].key, putBack) end
local leases, now = {}, tonumber(nowUs)
-- Numbers sent to Redis as text made once, or with %d: a Lua number is formatted as a float
-- (glibc's printf_fp, a tenth of Redis's time in a drain), once per use (bench/README.md).
local deadline = string.format('%d', nowMs + (confirmWithinMs > 0 and confirmWithinMs or leaseMs))
local startedAt = string.format('%d', nowMs)
-- One `picked` event entry for the whole claim (events.ts reads it as a "Picked job" and a
-- "Processing job" line per job), not an XADD per job and line (bench/README.md).
local pickedIds, pickedAttempts, pickedPayloads = {}, {}, {}
for i, job in ipairs(claimed) do
  local id, jobKey, f, lane = job[1], job[2], job[3], job[4]
  local token = string.format('%s:%d', tokenBase, i)
  -- Counted against its type's limits (running until it leaves `active`; started now), in one
  -- call per lane after this loop.
  if lane.limited then redis.call('HSET', jobKey, 'limited', lane.type) end
  local readyUs = tonumber(f[5] or f[6]) or now
  local attempts = tonumber(f[7] or 0) + 1
  local attemptsText = string.format('%d', attempts)
  local ahead = i > startNow and not f[8]
  if ahead then
    redis.call('HSET', jobKey, 'status', 'processing', 'picked_at', nowUs, 'lease_token', token,
      'worker_id', workerId, 'attempts', attemptsText, 'ahead', '1')
  else
    redis.call('HSET', jobKey, 'status', 'processing', 'picked_at', nowUs, 'lease_token', token,
      'worker_id', workerId, 'attempts', attemptsText)
    -- Left by an older release's scripts, which did not clear it: this attempt starts at once.
    if f[12] then redis.call('HDEL', jobKey, 'ahead') end
  end
  if confirmWithinMs > 0 then redis.call('HSET', jobKey, 'unconfirmed', '1') end
  if f[5] then redis.call('HDEL', jobKey, 'next_attempt_at') end
  leases[#leases + 1] = deadline
  leases[#leases + 1] = id
  pickedIds[i], pickedAttempts[i], pickedPayloads[i] = id, attemptsText, f[2]
  out[#out + 1] = id; out[#out + 1] = token; out[#out + 1] = f[1]; out[#out + 1] = f[2]
  out[#out + 1] = attempts; out[#out + 1] = f[3]; out[#out + 1] = f[4]
  out[#out + 1] = math.max(0, math.floor((now - readyUs) / 1000))
  out[#out + 1] = tonumber(f[8] or 0) >= SUSPECT_AFTER_LOSSES and 1 or (ahead and 2 or 0)
  out[#out + 1] = tonumber(f[10] or 0)
end
for _, lane in ipairs(lanes) do
  if lane.limited and lane.claimed > 0 then redis.call('HINCRBY', running, lane.type, lane.claimed) end
  if lane.starts and lane.claimed > 0 then
    local started = string.format('%d', lane.claimed)
    redis.call('ZADD', lane.starts, startedAt, started .. ' ' .. tokenBase .. ' ' .. nowUs)
    redis.call('INCRBY', lane.startsCounted, started)
  end
  -- The clocks this claim moved; the type's clock is where the last turn taken stood (a group
  -- joining starts there).
  if lane.last then
    local field = 'clock:' .. lane.type
    for group, clock in pairs(lane.clocks) do
      redis.call('HSET', groupCountsKey(prefix, group), field, clock)
    end
    redis.call('HSET', prefix .. 'vclock', lane.type, lane.last)
  end
  -- Only the jobs of no group left: no turns to take, so claims pop their lane again.
  if lane.ring and redis.call('ZCARD', lane.ring) == 1 and redis.call('ZSCORE', lane.ring, '') then
    redis.call('DEL', lane.ring)
  end
end
-- Each group's jobs started, over every worker (what runs now: its max_concurrency, GET /groups).
local started = {}
for _, job in ipairs(claimed) do
  local group = job[3][11]
  if group then started[group] = (started[group] or 0) + 1 end
end
for group, n in pairs(started) do
  redis.call('HINCRBY', groupCountsKey(prefix, group), 'started', n)
end
groupsSeen(prefix, started)
if #leases > 0 then
  callInSlices('ZADD', active, leases)
  -- The payloads are JSON texts as JSON.stringify wrote them, which never hold a raw control
  -- character, so the record separator (\30) can part them and a reader need not parse them.
  redis.call('XADD', events, '*', 'type', 'picked', 'worker_id', workerId, 'time', nowUs,
    'job_ids', table.concat(pickedIds, ' '), 'attempts', table.concat(pickedAttempts, ' '),
    'payloads', table.concat(pickedPayloads, '\30'))
  trimEvents(events, maxEvents, 2 * #claimed)
end

-- Pass the wake-up on: another blocked worker of the type takes what this one left (one
-- without a suspect takes a suspect passed over here). A worker that passed suspects over waits
-- for one of its own jobs to end, not on the marker, so the wake-up never goes round in circles.
if popped > 0 or passed > 0 or dropped > 0 then
  for _, lane in ipairs(lanes) do
    if (lane.offset > 0 and redis.call('ZCARD', lane.key) > 0) or
      (lane.last and redis.call('ZCARD', lane.ring) > 0) then
      wakeWorkersOf(prefix, lane.type)
    end
  end
end
local due = redis.call('ZRANGE', scheduled, 0, 0, 'WITHSCORES')
if due[2] then out[2] = tonumber(due[2]) end
return out
