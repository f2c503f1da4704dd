-- wrk script: one token per request, rotating through a file of tokens (Authorization: Bearer).
-- usage: wrk -t1 -c64 -d10s -s rotate.lua http://127.0.0.1:PORT/api/v1/feed -- tokens.txt
-- Requests are pre-formatted in init() so the per-request Lua cost is a table lookup.
local reqs, idx = {}, 0

-- Further arguments are extra "Name: value" headers sent with every request.
function init(args)
  local extra = {}
  for i = 2, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    if name then extra[name] = value end
  end
  for line in io.lines(args[1]) do
    if #line > 0 then
      local headers = { ["Authorization"] = "Bearer " .. line }
      for name, value in pairs(extra) do headers[name] = value end
      reqs[#reqs + 1] = wrk.format("GET", wrk.path, headers)
    end
  end
end

function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end

-- one machine-readable line for bench/lib/wrk.ts
function done(s, lat, req)
  local e = s.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"durationS":%.3f,"rps":%.1f,"p50Ms":%.3f,"p99Ms":%.3f,"maxMs":%.3f,' ..
    '"non2xx":%d,"errConnect":%d,"errRead":%d,"errWrite":%d,"errTimeout":%d}\n',
    s.requests, s.duration / 1e6, s.requests / (s.duration / 1e6),
    lat:percentile(50) / 1000, lat:percentile(99) / 1000, lat.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
