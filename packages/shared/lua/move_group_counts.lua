--[[
move_group_counts: groups' counts and clocks as an earlier release kept them, a field per group
in a hash (`grunning`: its jobs running; `gdone`: its jobs completed; `gclock:<type>`: its clock
in that type's ring of turns), move into each group's own hash (`group:<name>`, groupCountsKey
in prelude.lua), so that a job claimed before the upgrade and ending after it is counted out of
what it was counted in, a group's limit holds, and groups keep their places in turns. A slice of
groups per call; each is moved and deleted in the same call, so none is counted twice.

KEYS[1] layout  string; named so that a Redis Cluster sends the call to the queue's slot
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] most groups per call

Returns 1 when nothing is left to move, else 0.
]]
-- groupCountsKey and callInSlices: see prelude.lua.
local prefix, limit = ARGV[1], tonumber(ARGV[2])
local running, done = prefix .. 'grunning', prefix .. 'gdone'
for _, key in ipairs({ running, done }) do
  -- Random fields, not a scan: each call takes some while any are left.
  local some = redis.call('HRANDFIELD', key, limit, 'WITHVALUES')
  local fields = {}
  for i = 1, #some, 2 do
    local group, count = some[i], tonumber(some[i + 1]) or 0
    fields[#fields + 1] = group
    if count ~= 0 then
      -- Running then: started, not yet ended. Completed then: started and done.
      redis.call('HINCRBY', groupCountsKey(prefix, group), 'started', count)
      if key == done then redis.call('HINCRBY', groupCountsKey(prefix, group), 'done', count) end
    end
  end
  if #fields > 0 then callInSlices('HDEL', key, fields) end
end
local left = redis.call('EXISTS', running, done) > 0
-- The declared types (a worker declares its own before it moves these).
for _, jobType in ipairs(redis.call('HKEYS', prefix .. 'types')) do
  local clocks = prefix .. 'gclock:' .. jobType
  local some = redis.call('HRANDFIELD', clocks, limit, 'WITHVALUES')
  local fields = {}
  for i = 1, #some, 2 do
    fields[#fields + 1] = some[i]
    redis.call('HSETNX', groupCountsKey(prefix, some[i]), 'clock:' .. jobType, some[i + 1])
  end
  if #fields > 0 then callInSlices('HDEL', clocks, fields) end
  left = left or redis.call('EXISTS', clocks) == 1
end
return left and 0 or 1
