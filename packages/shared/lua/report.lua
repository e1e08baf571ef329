--[[
report: keeps what a running job's handler reports (ctx.progress, ctx.log) in its record and
streams it as an event, for the job's current lease only: a worker that lost the lease reports
nothing more (the job may run elsewhere now).

KEYS[1] events     stream of transitions
ARGV[1] key prefix (jq:{queue}:)
ARGV[2] job id
ARGV[3] lease token
ARGV[4] kind: progress | log
ARGV[5] the value: progress as JSON text, or one log line
ARGV[6] events kept at most (EVENTS_MAX_LEN)
ARGV[7] log lines kept per job

Returns 1 when recorded, 0 when the lease is no longer this worker's.
]]
-- nowUs, nowMs, callInSlices and addJobEvent: see prelude.lua.
local events = KEYS[1]
local prefix, id, token, kind, value, maxEvents, maxLines =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local jobKey = prefix .. 'job:' .. id

if redis.call('HGET', jobKey, 'lease_token') ~= token then return 0 end
if kind == 'progress' then
  redis.call('HSET', jobKey, 'progress', value)
  addJobEvent(events, maxEvents, 'type', 'progress', 'job_ids', id, 'progress', value,
    'message', 'Job ' .. id .. ' progress: ' .. value, 'time', nowUs)
else
  -- The last maxLines lines, kept as one JSON list in the record (read with it, gone with it).
  local text = redis.call('HGET', jobKey, 'logs')
  local lines = text and cjson.decode(text) or {}
  lines[#lines + 1] = value
  while #lines > maxLines do table.remove(lines, 1) end
  redis.call('HSET', jobKey, 'logs', cjson.encode(lines))
  addJobEvent(events, maxEvents, 'type', 'log', 'job_ids', id, 'message', value, 'time', nowUs)
end
return 1
