--[[
set_group: changes a group's settings (PUT /groups/:name) in one step, so two changes at once both
hold: its weight, the turns it takes for one of another group's (default 1), and its
max_concurrency, the most of its jobs running at once over every worker (none by default). The
fields given replace the stored ones, null putting one back to its default; the others stay. A
group set aside at its old limit takes its turns again.

KEYS[1] groups  hash: group -> its settings (JSON {weight?, max_concurrency?})
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] the group
ARGV[3] the change as JSON

Returns the settings stored ('' when none).
]]
-- groupLeft: see prelude.lua.
local groups = KEYS[1]
local prefix, group, change = ARGV[1], ARGV[2], ARGV[3]

local stored = redis.call('HGET', groups, group)
local current = stored and cjson.decode(stored) or {}
for name, value in pairs(cjson.decode(change)) do
  if value == cjson.null then current[name] = nil else current[name] = value end
end
local settings = ''
if next(current) == nil then
  redis.call('HDEL', groups, group)
else
  settings = cjson.encode(current)
  redis.call('HSET', groups, group, settings)
end
-- Nothing left its jobs; but a new limit may leave room, and a claim checks it again.
groupLeft(prefix, group, 0)
return settings
