--[[
advance_schedule: moves a schedule's next run from the tick just submitted to the next one, only
if no other process has moved it already. Every API process fires due ticks; the submission of a
tick carries an idempotency key made of the schedule's name and the tick, so however many submit
it there is one job, and this compare-and-set lets exactly one of them move the schedule on.

KEYS[1] schedules_due  zset, schedule name -> its next run (ms)
ARGV[1] the schedule's name
ARGV[2] the tick just submitted (ms)
ARGV[3] the next tick (ms)

Returns 1 when this call moved it, 0 when another process had (or the schedule is gone).
]]
local due = KEYS[1]
local name, tick, nextTick = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local current = redis.call('ZSCORE', due, name)
if not current or tonumber(current) ~= tick then return 0 end
redis.call('ZADD', due, nextTick, name)
return 1
