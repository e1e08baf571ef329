--[[
set_limits: changes a job type's limits in one step, so that two changes made at once both hold.
`override` (PATCH /job-types/:name) sets the fields given over the run-time ones (null among
them removes that limit; the others stay); `declared` (a worker's declaration) replaces what the
declaration says. An empty change drops that side.

When a concurrency limit comes into force where there was none, the type's jobs already running
(claimed while it had none) are counted in `running` and marked `limited`, as claim.lua does, so
a limit set at run time counts them: it holds from the moment it is set, not only once they have
ended. (That reads every leased job once; a limit changed while one is in force reads none.)

KEYS[1] limits   hash: <type> -> the limits its declaration sets, <type>:override -> those set at
                 run time (JSON {max_concurrency?, rate_limit?: {max, per_ms}})
KEYS[2] active   zset of leased jobs
KEYS[3] running  hash: type -> jobs of a concurrency-limited type running now
KEYS[4] types    hash: type -> its declaration (JSON, with its `version`)
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] job type
ARGV[3] 'override' or 'declared'
ARGV[4] the change as JSON, or '' to drop that side
ARGV[5] for 'declared': the version of the declaration the limits come from, or '' for any. The
        limits are written only while the stored declaration is that version, so a worker that
        declared an older version and writes its limits late (after a newer declaration was
        stored meanwhile) leaves the newer declaration's limits in force.

Returns the running jobs it counted.
]]
-- limitInForce and wakeWorkersOf: see prelude.lua.
local limits, active, running, types = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, jobType, side, change, version = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] or ''

if side == 'declared' and version ~= '' then
  local stored = redis.call('HGET', types, jobType)
  if not stored or cjson.decode(stored).version ~= version then return 0 end
end

local overrideField = jobType .. ':override'
local field = side == 'declared' and jobType or overrideField

-- The concurrency limit in force, from the stored declaration and override.
local function maxConcurrencyInForce()
  local declared, override = unpack(redis.call('HMGET', limits, jobType, overrideField))
  return limitInForce(declared and cjson.decode(declared), override and cjson.decode(override),
    'max_concurrency')
end

local limitedBefore = maxConcurrencyInForce() ~= nil
local before = redis.call('HGET', limits, field)
local after = change ~= '' and change or false
if side == 'override' and after then
  local override = before and cjson.decode(before) or {}
  for name, value in pairs(cjson.decode(change)) do override[name] = value end
  after = cjson.encode(override)
end
-- Unchanged (a worker declaring what is stored): nothing to count, and no worker to wake.
if after == before then return 0 end
if after then redis.call('HSET', limits, field, after) else redis.call('HDEL', limits, field) end

-- Only a limit where there was none finds jobs uncounted: under one, every claim counts its jobs.
local counted = 0
if not limitedBefore and maxConcurrencyInForce() ~= nil then
  for _, id in ipairs(redis.call('ZRANGE', active, 0, -1)) do
    local jobKey = prefix .. 'job:' .. id
    local f = redis.call('HMGET', jobKey, 'job_type', 'limited')
    if f[1] == jobType and not f[2] then
      redis.call('HSET', jobKey, 'limited', jobType)
      counted = counted + 1
    end
  end
  if counted > 0 then redis.call('HINCRBY', running, jobType, counted) end
end
-- Looser limits may let held-back jobs start now.
wakeWorkersOf(prefix, jobType)
return counted
