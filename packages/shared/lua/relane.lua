--[[
relane: puts every queued job in its place in line for this layout, from its record: in its
type's lane (ready:<type>, where workers claim it) and in `queued`, with the score readyScore
gives for the priority band in force. It runs when the layout differs from this release's or
the band differs from the one the scores were made with (PRIORITY_AGING_MS changed), one slice
per call so Redis never blocks long. Jobs queued meanwhile get their place from submit; scoring
one again changes nothing. The last call records the layout, and later calls return at once. (A
queue's first submission records it too: a queue this release created has nothing to move.)

KEYS[1] queued  zset of ready jobs
KEYS[2] layout  string, the key layout version this queue is in, and the band of its scores
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] the ZSCAN cursor the previous call returned ('0' for the first)
ARGV[3] about how many jobs in this call

Returns { 'done' } or { 'more', the cursor to pass in the next call }.
]]
-- layoutWith, priorityBand, readyScore, laneKey, placeInTurns and callInSlices: see prelude.lua.
local queued, layout = KEYS[1], KEYS[2]
local prefix, cursor, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])

local band = priorityBand(prefix)
local wanted = layoutWith(band)
if redis.call('GET', layout) == wanted then return { 'done' } end
-- A scan, not a walk by score: rescoring moves jobs, and a scan still meets each one.
local scan = redis.call('ZSCAN', queued, cursor, 'COUNT', limit)
local places, lanes, gone = {}, {}, {}
for i = 1, #scan[2], 2 do
  local id = scan[2][i]
  local f = redis.call('HMGET', prefix .. 'job:' .. id, 'job_type', 'priority', 'seq', 'group')
  if not f[1] then
    -- Its record is gone (deleted by hand): it leaves the line, as a claim would drop it.
    gone[#gone + 1] = id
  else
    local score = readyScore(f[2], f[3] or 0, band)
    places[#places + 1] = score
    places[#places + 1] = id
    local key = laneKey(prefix, f[1], f[4])
    lanes[key] = lanes[key] or { jobType = f[1], group = f[4], args = {} }
    local lane = lanes[key]
    lane.args[#lane.args + 1] = score
    lane.args[#lane.args + 1] = id
  end
end
if #places > 0 then callInSlices('ZADD', queued, places) end
for key, lane in pairs(lanes) do
  callInSlices('ZADD', key, lane.args)
  placeInTurns(prefix, lane.jobType, lane.group, band)
end
if #gone > 0 then callInSlices('ZREM', queued, gone) end
if scan[1] == '0' then
  redis.call('SET', layout, wanted)
  return { 'done' }
end
return { 'more', scan[1] }
