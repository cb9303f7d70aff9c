-- wrk script: replays a file of raw, pre-signed HTTP requests (bench/load/request-file.ts format:
-- "<length>\n<bytes>" records). Thread k of n sends records k, k+n, k+2n... starting at the given
-- offset, so no record is sent twice until the file wraps (counted, and reported by done()).
-- Usage: wrk -t<threads> ... -s replay.lua URL -- <file> <offset> <threads>

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs = {}
local n = 0
local idx = 0
local step = 1
wraps = 0
sent = 0

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local nl = data:find("\n", pos, true)
    local len = tonumber(data:sub(pos, nl - 1))
    n = n + 1
    reqs[n] = data:sub(nl + 1, nl + len)
    pos = nl + 1 + len
  end
  step = tonumber(args[3]) or 1
  local offset = tonumber(args[2]) or 0
  idx = (offset + id) % n
end

function request()
  local r = reqs[idx + 1]
  idx = idx + step
  if idx >= n then
    idx = idx % n
    wraps = wraps + 1
  end
  sent = sent + 1
  return r
end

function done(summary, latency, requests)
  local w = 0
  local s = 0
  for _, t in ipairs(threads) do
    w = math.max(w, t:get("wraps") or 0)
    s = s + (t:get("sent") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"wraps":%d,"sent":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, w, s))
end
