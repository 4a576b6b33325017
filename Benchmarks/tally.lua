-- wrk script: PATCH /api/v1/realms/{realm}/members/transaction with BATCH_SIZE random members
-- per request, each +1. Environment: TALLY_REALM, TALLY_KEY, IDS_FILE, BATCH_SIZE, and PAUSE_MS:
-- when set, each connection waits that long after a response before its next request (a paced
-- load instead of as fast as the server answers; the pause is not counted in the latency).
-- SKEW (default 1, even): members are picked as the (n · u^SKEW)-th of the file for a uniform u,
-- so with SKEW=4 about a third of the changes go to the first 1 % of the members, as in a
-- community where a few are active.
local realm = os.getenv("TALLY_REALM")
local key = os.getenv("TALLY_KEY")
local batch = tonumber(os.getenv("BATCH_SIZE") or "100")
local path = "/api/v1/realms/" .. realm .. "/members/transaction"
local headers = { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
local threads = {}
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
local skew = tonumber(os.getenv("SKEW") or "1")

if pause > 0 then
   function delay() return pause end
end

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   ids = {}
   for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
   math.randomseed(os.time() * 1000 + id)
   non2xx = 0
end

function request()
   local parts = {}
   for i = 1, batch do
      parts[i] = '{"dripId":"' .. ids[math.floor(#ids * math.random() ^ skew) + 1] .. '","amount":1}'
   end
   return wrk.format("PATCH", path, headers, '{"updates":[' .. table.concat(parts, ",") .. ']}')
end

function response(status, headers, body)
   if status ~= 200 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
   local bad = 0
   for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
   local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
   io.write(string.format(
      '{"requests":%d,"seconds":%.3f,"p50_ms":%.3f,"p99_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
      summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      bad, errors))
end
