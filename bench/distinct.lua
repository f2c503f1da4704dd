-- wrk script: every request carries a token never sent before, "AAAA.AAAA.<base64url>" of about the
-- given length: it passes the syntax check and fails before any signature check (issue 14's flood).
-- usage: wrk -t1 -c64 -d10s -s distinct.lua http://127.0.0.1:PORT/api/v1/feed -- 8192
-- One random body made in init(); a request differs from the others in its last 16 characters (a
-- counter in hex, base64url characters too), so no two requests share a token.
local prefix, n = "", 0

function init(args)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  -- The third segment a multiple of 4 long: canonical base64url whatever its last character.
  local segment = math.floor((tonumber(args[1]) - 10) / 4) * 4
  math.randomseed(os.time())
  local chars = {}
  for i = 1, segment - 16 do
    local k = math.random(1, 64)
    chars[i] = alphabet:sub(k, k)
  end
  prefix = "Bearer AAAA.AAAA." .. table.concat(chars)
end

function request()
  n = n + 1
  return wrk.format("GET", wrk.path, { ["Authorization"] = prefix .. string.format("%016x", n) })
end

-- one machine-readable line for bench/lib/wrk.ts (as rotate.lua)
function done(s, lat, req)
  local e = s.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"durationS":%.3f,"rps":%.1f,"p50Ms":%.3f,"p99Ms":%.3f,"maxMs":%.3f,' ..
    '"non2xx":%d,"errConnect":%d,"errRead":%d,"errWrite":%d,"errTimeout":%d}\n',
    s.requests, s.duration / 1e6, s.requests / (s.duration / 1e6),
    lat:percentile(50) / 1000, lat:percentile(99) / 1000, lat.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
