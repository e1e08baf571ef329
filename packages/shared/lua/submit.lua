--[[
submit: adds new jobs, each either ready now (queued) or waiting for its run time (scheduled).
Atomic for the whole batch, so a bulk submission is all or nothing.

KEYS[1] queued     zset, score = readyScore (prelude.lua); and ready:<type>, each type's lane
KEYS[2] scheduled  zset, score = due time (ms)
KEYS[3] marker     zset every worker blocks on; one member "0" means "a due time changed"
                   (ready jobs wake workers of their type instead: marker:<type>)
KEYS[4] events     stream of transitions
KEYS[5] totals     hash of monotonic counters
KEYS[6] seq        counter of seqs (nextSeq, prelude.lua): the order jobs became ready in
KEYS[7] created    stream, one entry per call: field `ids`, the new jobs' ids (16 bytes each) in
                   order; to list every job newest first
ARGV[1] key prefix (jq:{queue}:), used to build job:<id> and idem:<key>
ARGV[2] events kept in the stream (approximate)
ARGV[3] idempotency key TTL (seconds)
ARGV[4] retention of the created index (ms): older entries are trimmed
ARGV[5] number of jobs n
ARGV[6] the n ids as 16 bytes each, in order (for the created index; one argument, which costs
        the client far less to send than n)
ARGV[7] n groups of 12: id, job_type, priority as given, priority number 1..10, payload JSON,
        max_attempts, delay in ms (0 = none), absolute run time in ms (0 = none), idempotency
        key ('' = none), timeout in ms (0 = none), backoff policy JSON ('' = the queue's),
        group ('' = none)

Returns a flat array with three entries per job: job id, status, 1 if created or 0 if an
idempotency key matched an earlier job (then the id and status are the earlier job's).
]]
-- nowUs, nowMs, priorityBand, nextSeq, EPOCH_US, laneKey, placeInTurns, groupCountsKey,
-- groupRunning, groupsSeen, callInSlices and trimEvents: see prelude.lua.
local queued, scheduled, marker, events, totals, seqKey, created =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local prefix, maxEvents, idemTtl, createdRetentionMs, n, idBytes =
  ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]

local band = priorityBand(prefix)
local out, createdIds = {}, {}
-- One `submitted` event entry for the whole call (events.ts reads a line per job from it).
local submittedIds, submittedStatuses = {}, {}
local added = 0
-- Ready jobs go in line in one ZADD per key (putReady's work, batched): `queued` and the lane
-- of each type and group; then each group touched takes its place in its type's turns.
local queuedArgs, lanes, grouped = {}, {}, {}
for i = 0, n - 1 do
  local base = 7 + i * 12
  local id, jobType, priority, priorityNum, payload, maxAttempts, delayMs, runAtMs, idemKey =
    ARGV[base], ARGV[base + 1], ARGV[base + 2], tonumber(ARGV[base + 3]), ARGV[base + 4],
    ARGV[base + 5], tonumber(ARGV[base + 6]), tonumber(ARGV[base + 7]), ARGV[base + 8]
  local timeoutMs, backoff, group = ARGV[base + 9], ARGV[base + 10], ARGV[base + 11]
  -- Delays count from Redis time, so every process shares one clock.
  local dueMs = runAtMs > 0 and runAtMs or nowMs + delayMs

  local existing = false
  if idemKey ~= '' then
    local idem = prefix .. 'idem:' .. idemKey
    local earlier = redis.call('GET', idem)
    if earlier then
      local status = redis.call('HGET', prefix .. 'job:' .. earlier, 'status') or 'unknown'
      out[#out + 1] = earlier; out[#out + 1] = status; out[#out + 1] = 0
      existing = true
    else
      redis.call('SET', idem, id, 'EX', idemTtl)
    end
  end

  if not existing then
    local seq, first = nextSeq(seqKey)
    -- The queue's first job: no earlier release left jobs to move into lanes (relane.lua).
    if first then redis.call('SET', prefix .. 'layout', layoutWith(band)) end
    -- A job that waits for its run time becomes ready then: that is its place in line.
    if dueMs > nowMs then seq = dueMs * 1000 - EPOCH_US end
    local status = 'queued'
    local jobKey = prefix .. 'job:' .. id
    -- The record holds no copy of its id (the key has it) nor of the priority number (the
    -- priority as given says it): every byte is kept for as long as the job is.
    redis.call('HSET', jobKey, 'job_type', jobType, 'priority', priority, 'payload', payload,
      'status', status, 'attempts', 0, 'max_attempts', maxAttempts, 'created_at', nowUs,
      'seq', seq)
    if idemKey ~= '' then redis.call('HSET', jobKey, 'idempotency_key', idemKey) end
    -- Only when set: most jobs take the defaults, and every field costs memory per job.
    if timeoutMs ~= '0' then redis.call('HSET', jobKey, 'timeout_ms', timeoutMs) end
    if backoff ~= '' then redis.call('HSET', jobKey, 'backoff', backoff) end
    if group ~= '' then
      redis.call('HSET', jobKey, 'group', group)
      grouped[group] = true
    end
    if dueMs > nowMs then
      status = 'scheduled'
      redis.call('HSET', jobKey, 'status', status, 'next_attempt_at', string.format('%d', dueMs * 1000))
      redis.call('ZADD', scheduled, dueMs, id)
    else
      local score = (10 - priorityNum) * band + seq
      queuedArgs[#queuedArgs + 1] = score
      queuedArgs[#queuedArgs + 1] = id
      local key = laneKey(prefix, jobType, group)
      local lane = lanes[key]
      if not lane then
        lane = { jobType = jobType, group = group, args = {} }
        lanes[key] = lane
      end
      lane.args[#lane.args + 1] = score
      lane.args[#lane.args + 1] = id
    end
    createdIds[#createdIds + 1] = string.sub(idBytes, i * 16 + 1, i * 16 + 16)
    submittedIds[added + 1], submittedStatuses[added + 1] = id, status
    added = added + 1
    out[#out + 1] = id; out[#out + 1] = status; out[#out + 1] = 1
  end
end

-- An idle group's counts go, and its clocks but where it still has jobs waiting their turn.
local function forgetGroup(group)
  local key, fields = groupCountsKey(prefix, group), {}
  for _, field in ipairs(redis.call('HKEYS', key)) do
    local jobType = string.match(field, '^clock:(.*)$')
    if not (jobType and redis.call('ZSCORE', prefix .. 'turns:' .. jobType, group)) then
      fields[#fields + 1] = field
    end
  end
  if #fields > 0 then redis.call('HDEL', key, unpack(fields)) end
end

if next(grouped) then
  groupsSeen(prefix, grouped)
  -- Groups with nothing submitted, claimed or completed for the retention of finished jobs are
  -- forgotten (their counts with them; their settings stay), a few at a time. One with a job still
  -- running (longer than that retention) is not idle: it is seen now instead.
  local gone = redis.call('ZRANGEBYSCORE', prefix .. 'gseen', '-inf',
    '(' .. (nowMs - createdRetentionMs), 'LIMIT', 0, 100)
  if #gone > 0 then
    local idle, busy = {}, {}
    for _, group in ipairs(gone) do
      if groupRunning(prefix, group) > 0 then
        busy[group] = true
      else
        idle[#idle + 1] = group
        forgetGroup(group)
      end
    end
    groupsSeen(prefix, busy)
    if #idle > 0 then redis.call('ZREM', prefix .. 'gseen', unpack(idle)) end
  end
end

if added > 0 then
  redis.call('HINCRBY', totals, 'submitted', added)
  -- One index entry for the whole batch: an entry per job would cost an XADD and its overhead.
  redis.call('XADD', created, '*', 'ids', added == n and idBytes or table.concat(createdIds))
  redis.call('XADD', events, '*', 'type', 'submitted', 'time', nowUs,
    'job_ids', table.concat(submittedIds, ' '), 'statuses', table.concat(submittedStatuses, ' '))
  trimEvents(events, maxEvents, added)
  redis.call('XTRIM', created, 'MINID', nowMs - createdRetentionMs)
  -- Wake one blocked worker of each type that has jobs ready now; for scheduled jobs, any one
  -- worker, which learns the new earliest due time and sleeps until then.
  if #queuedArgs > 0 then callInSlices('ZADD', queued, queuedArgs) end
  for key, lane in pairs(lanes) do
    callInSlices('ZADD', key, lane.args)
    placeInTurns(prefix, lane.jobType, lane.group, band)
    wakeWorkersOf(prefix, lane.jobType)
  end
  if #queuedArgs < added * 2 then redis.call('ZADD', marker, 0, '0') end
end
return out
