-- wrk script of the rate part (bench/run.py): each request asks another day of 2023 for the path given after `--`,
-- the 365 days in a scattered order (each thread from another place), so consecutive requests never share a day.

local path = "/"
local requests = {}
local next_request = 0
local YEAR_START = 1672531200 -- 2023-01-01T00:00:00Z

function init(args)
   path = args[1]
   for i = 0, 364 do
      local day = (i * 7919) % 365 -- 7919 is prime to 365: every day once
      local start = os.date("!%Y-%m-%d", YEAR_START + day * 86400)
      local stop = os.date("!%Y-%m-%d", YEAR_START + (day + 1) * 86400)
      table.insert(requests, wrk.format("GET", path .. "?startDatetime=" .. start .. "&endDatetime=" .. stop))
   end
   next_request = math.random(#requests) - 1
end

function request()
   next_request = next_request % #requests + 1
   return requests[next_request]
end
