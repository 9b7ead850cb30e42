-- wrk script for bench/http.ts: one kind of request per run, a different phone (or
-- coupon, or key) per request, and an optional target rate.
-- Env:
--   MODE          redeem | coupon | balance | credit
--   CODE          campaign code (redeem)
--   CODES_FILE    file with one coupon code per line (coupon); each is sent once
--   PHONES        how many distinct phones to cycle through; PHONE_OFFSET the first
--   TOKEN         service bearer token; empty for none
--   THREADS       wrk's -t (each thread's Lua state cannot see how many threads setup made)
--   RATE          requests per second over all connections; 0 = as fast as possible
--   CONNECTIONS   wrk's -c, to spread RATE over the connections
-- Each thread walks its own slice of phones, so threads never send the same phone at once.

local mode = os.getenv("MODE") or "redeem"
local code = os.getenv("CODE") or "BENCH"
local phones = tonumber(os.getenv("PHONES") or "100000")
local offset = tonumber(os.getenv("PHONE_OFFSET") or "0")
local token = os.getenv("TOKEN") or ""
local stride = tonumber(os.getenv("THREADS") or "1")
local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "1")
-- wrk waits this long before each request on a connection: RATE spread evenly over them.
local pause = rate > 0 and (1000 * connections / rate) or 0

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local codes = {}

function init(args)
  counter = 0
  statuses = {}
  wrk.headers["Content-Type"] = "application/json"
  if token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if mode == "coupon" then
    for line in io.lines(os.getenv("CODES_FILE")) do
      table.insert(codes, line)
    end
  end
end

function delay()
  return pause
end

local function phone(n)
  return string.format("+98935%07d", n)
end

function request()
  local i = counter * stride + id
  local n = offset + i % phones
  counter = counter + 1
  if mode == "balance" then
    return wrk.format("GET", "/v1/wallets/" .. phone(n), nil, nil)
  elseif mode == "credit" then
    -- Headers given to wrk.format replace wrk.headers, so the common ones are copied in.
    local headers = { ["Idempotency-Key"] = string.format("bench-%d-%d", offset, i) }
    for name, value in pairs(wrk.headers) do
      headers[name] = value
    end
    return wrk.format("POST", "/v1/wallets/" .. phone(n) .. "/credits", headers, '{"amount":1000}')
  elseif mode == "coupon" then
    -- Past the end of the list the codes repeat: those attempts answer "already used".
    local coupon = codes[i % #codes + 1]
    return wrk.format("POST", "/redeem-coupon", nil, string.format('{"code":"%s","phone":"%s"}', coupon, phone(n)))
  end
  return wrk.format("POST", "/v1/redeem", nil, string.format('{"code":"%s","phone":"%s"}', code, phone(n)))
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
