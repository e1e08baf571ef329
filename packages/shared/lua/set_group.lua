--[[
set_group: stores a group's settings (PUT /groups/:name): its weight, the turns it takes for one
of another group's (default 1), and its max_concurrency, the most of its jobs running at once
over every worker (none by default). A group set aside at its old limit takes its turns again.

KEYS[1] groups  hash: group -> its settings (JSON {weight?, max_concurrency?})
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] the group
ARGV[3] its settings as JSON; '' removes them (back to the defaults)

Returns the settings stored ('' when none).
]]
-- groupLeft: see prelude.lua.
local groups = KEYS[1]
local prefix, group, settings = ARGV[1], ARGV[2], ARGV[3]

if settings == '' then
  redis.call('HDEL', groups, group)
else
  redis.call('HSET', groups, group, settings)
end
-- Nothing left its jobs; but a new limit may leave room, and a claim checks it again.
groupLeft(prefix, group, 0)
return settings
