-- wrk script of the load part (bench/load.py): one endpoint kind per wrk process. It rotates through the paths in
-- the file $BENCH_PATHS with `Authorization: Bearer $BENCH_API_KEY` and prints one JSON line in done(). With
-- BENCH_STATUSES=1 it also reads each response's status and Retry-After header (that costs wrk some CPU, so the
-- mix runs without it: wrk counts non-2xx/3xx answers itself).

local key = os.getenv("BENCH_API_KEY")
local paths_file = os.getenv("BENCH_PATHS")
local want_statuses = os.getenv("BENCH_STATUSES") == "1"
local requests = {}
local next_request = 0
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local headers = { ["Authorization"] = "Bearer " .. key }
   for line in io.lines(paths_file) do
      if line ~= "" then
         table.insert(requests, wrk.format("GET", line, headers))
      end
   end
   -- Each thread starts at another place in the list, so threads do not ask the same path at the same moment.
   next_request = math.random(#requests) - 1
end

function request()
   next_request = next_request % #requests + 1
   return requests[next_request]
end

ok, limited, limited_with_retry_after, other = 0, 0, 0, 0

if want_statuses then
   function response(status, headers, body)
      if status >= 200 and status < 400 then
         ok = ok + 1
      elseif status == 429 then
         limited = limited + 1
         if headers["Retry-After"] or headers["retry-after"] then
            limited_with_retry_after = limited_with_retry_after + 1
         end
      else
         other = other + 1
      end
   end
end

function done(summary, latency, requests)
   local counts = { ok = 0, limited = 0, limited_with_retry_after = 0, other = 0 }
   for _, thread in ipairs(threads) do
      for name, _ in pairs(counts) do
         counts[name] = counts[name] + (thread:get(name) or 0)
      end
   end
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "p50_us": %.0f, "p95_us": %.0f, "p99_us": %.0f, "max_us": %.0f, '
      .. '"non_2xx_3xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "statuses": %s, '
      .. '"ok": %d, "limited": %d, "limited_with_retry_after": %d, "other": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
      latency.max, e.status, e.connect, e.read, e.write, e.timeout, tostring(want_statuses),
      counts.ok, counts.limited, counts.limited_with_retry_after, counts.other))
end
