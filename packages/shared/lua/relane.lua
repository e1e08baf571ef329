--[[
relane: puts jobs that a release without per-type lanes left in `queued` into their type's lane
(ready:<type>), where workers claim them, one slice per call so Redis never blocks long. Jobs
queued since are in their lane already; adding one again changes nothing (same score). The last
call records the layout version, and later calls return at once. (A queue's first submission
records it too: a queue this release created has nothing to move.)

KEYS[1] queued  zset of ready jobs
KEYS[2] layout  string, the key layout version this queue is in
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] the score of the last job done by the previous call ('-inf' for the first)
ARGV[3] most jobs in this call

Returns { 'done' } or { 'more', the score to pass in the next call }.
]]
-- LAYOUT_VERSION and callInSlices: see prelude.lua.
local queued, layout = KEYS[1], KEYS[2]
local prefix, after, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])

if redis.call('GET', layout) == LAYOUT_VERSION then return { 'done' } end
local from = after == '-inf' and '-inf' or '(' .. after
local slice = redis.call('ZRANGE', queued, from, '+inf', 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES')
local lanes, gone = {}, {}
for i = 1, #slice, 2 do
  local jobType = redis.call('HGET', prefix .. 'job:' .. slice[i], 'job_type')
  if not jobType then
    -- Its record is gone (deleted by hand): it leaves the line, as a claim would drop it.
    gone[#gone + 1] = slice[i]
  else
    lanes[jobType] = lanes[jobType] or {}
    local lane = lanes[jobType]
    lane[#lane + 1] = slice[i + 1]
    lane[#lane + 1] = slice[i]
  end
end
for jobType, lane in pairs(lanes) do callInSlices('ZADD', prefix .. 'ready:' .. jobType, lane) end
if #gone > 0 then callInSlices('ZREM', queued, gone) end
if #slice < limit * 2 then
  redis.call('SET', layout, LAYOUT_VERSION)
  return { 'done' }
end
return { 'more', slice[#slice] }
