--[[
advance_schedule: moves a schedule's next run from the tick just submitted to the next one, only
if no other process has moved it already, and keeps how that tick went. Every API process fires
due ticks; the submission of a tick carries an idempotency key made of the schedule's name and
the tick, so however many submit it there is one job, and this compare-and-set lets exactly one
of them move the schedule on and say how the tick went (a process slow with an older tick, or a
tick of a definition replaced meanwhile, moves nothing and says nothing).

KEYS[1] schedules_due  zset, schedule name -> its next run (ms)
KEYS[2] schedule_runs  hash, schedule name -> how its last tick went (JSON {at, job_id, error})
ARGV[1] the schedule's name
ARGV[2] the tick just submitted (ms)
ARGV[3] the next tick (ms)
ARGV[4] how the tick went (JSON)

Returns 1 when this call moved it, 0 when another process had (or the schedule is gone).
]]
local due, runs = KEYS[1], KEYS[2]
local name, tick, nextTick, run = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local current = redis.call('ZSCORE', due, name)
if not current or tonumber(current) ~= tick then return 0 end
redis.call('ZADD', due, nextTick, name)
redis.call('HSET', runs, name, run)
return 1
