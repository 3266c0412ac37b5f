-- wrk script for bench/authorize.py: wrk ... -- BODIES_FILE METHOD [SKIP]. Each request is METHOD with the next JSON
-- body of the file (one body per line; an empty file means no body), starting SKIP bodies in (0 by default), each
-- thread at its own offset from there; at the end
-- one line "WRK {json}" with the figures bench/authorize.py reads.
local bodies = {}
local i = 0
local method = "GET"
local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  method = args[2] or "GET"
  i = tonumber(args[3] or "0") + (offset or 0) * 997
end

function request()
  if #bodies == 0 then
    return wrk.format(method, nil, nil, nil)
  end
  i = i % #bodies + 1
  return wrk.format(method, nil, nil, bodies[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
