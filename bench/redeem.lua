-- wrk script for bench/redeem.ts: POST /v1/redeem with a different phone per request.
-- Env: CODE (campaign code), PHONES (how many distinct phones to cycle through),
-- PHONE_OFFSET (first phone number), TOKEN (service bearer token; empty for none),
-- THREADS (wrk's -t: each thread's own Lua state cannot see how many threads setup made).
-- Each thread walks its own slice of phones, so threads never send the same phone at once.

local code = os.getenv("CODE") or "BENCH"
local phones = tonumber(os.getenv("PHONES") or "100000")
local offset = tonumber(os.getenv("PHONE_OFFSET") or "0")
local token = os.getenv("TOKEN") or ""
local stride = tonumber(os.getenv("THREADS") or "1")

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  statuses = {}
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  local n = offset + (counter * stride + id) % phones
  counter = counter + 1
  local body = string.format('{"code":"%s","phone":"+98935%07d"}', code, n)
  return wrk.format(nil, "/v1/redeem", nil, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

-- One JSON line the bench parses: latency percentiles in microseconds and status counts.
function done(summary, latency)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"seconds":%.3f,"p50":%d,"p99":%d,"errors":%d,"statuses":{%s}}\n',
    summary.requests,
    summary.duration / 1e6,
    latency:percentile(50),
    latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")
  ))
end
