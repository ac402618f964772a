-- Prints the run's figures as one JSON line for bench/pages.py: requests, duration, errors and
-- latency percentiles. Counts every response outside 2xx (wrk itself counts only 4xx and 5xx),
-- unless BENCH_WRK_FAST=1: then the per-response hook is left out, as it costs wrk about a tenth
-- of its rate, and only 4xx and 5xx are counted (used for the constant /healthz ceiling).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_2xx = 0
end

if os.getenv("BENCH_WRK_FAST") ~= "1" then
  function response(status, headers, body)
    if status < 200 or status > 299 then
      not_2xx = not_2xx + 1
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local bad = e.status
  if response ~= nil then
    bad = 0
    for _, thread in ipairs(threads) do
      bad = bad + thread:get("not_2xx")
    end
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "not_2xx": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d}\n',
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
