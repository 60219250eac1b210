-- Shared by the benchmark's wrk scripts (loaded with dofile from each of them).
--
-- Counts responses that are not 2xx in response(), per status, in every thread, and prints one machine-readable
-- line at the end, which the benchmark (io.tradingdesk.loadtest.WrkTool) parses:
--   BENCH_JSON {"requests":..,"durationMicros":..,"errors":{..},"non2xx":..,"statuses":{"503":..},
--               "latencyMicros":{"mean":..,"stdev":..,"min":..,"max":..,"p50":..,"p95":..,"p99":..}}
-- wrk's own summary.errors.status counts only statuses >= 400; non2xx here counts everything outside 200-299.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   math.randomseed(os.time() * 1000 + (id or 0) * 7919)
   non2xx = 0
   statuses = {}
   if init_workload then
      init_workload(args)
   end
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local total, byStatus = 0, {}
   for _, t in ipairs(threads) do
      total = total + (t:get("non2xx") or 0)
      for code, n in pairs(t:get("statuses") or {}) do
         byStatus[code] = (byStatus[code] or 0) + n
      end
   end
   local parts = {}
   for code, n in pairs(byStatus) do
      table.insert(parts, string.format('"%d":%d', code, n))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"durationMicros":%d,"bytes":%d,'
         .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
         .. '"non2xx":%d,"statuses":{%s},'
         .. '"latencyMicros":{"mean":%.1f,"stdev":%.1f,"min":%d,"max":%d,"p50":%d,"p95":%d,"p99":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      total, table.concat(parts, ","),
      latency.mean, latency.stdev, latency.min, latency.max,
      latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
