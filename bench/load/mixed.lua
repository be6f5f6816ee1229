-- wrk script for the soak: nine in ten requests read a random CDNOW customer of the first copy
-- (c1-00001 .. c1-23570); one in ten posts a batch of 5 new transactions with ids unique per
-- thread and request, for 2,000 soak customers. done() prints the error counts by kind.
local key = os.getenv("CLV_API_KEY")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tid)
end

local function post()
  local items = {}
  for k = 1, 5 do
    items[k] = string.format(
      '{"externalId":"soak-%d-%d-%d","customerExternalId":"soak-c%d","occurredAt":"2024-06-%02dT12:00:00Z","type":"purchase","amount":%d.50,"currency":"USD"}',
      tid, counter, k, (counter * 5 + k) % 2000, 1 + k, 10 + k)
  end
  return wrk.format("POST", "/api/v1/transactions",
    { ["X-Api-Key"] = key, ["Content-Type"] = "application/json" },
    '{"transactions":[' .. table.concat(items, ",") .. "]}")
end

request = function()
  counter = counter + 1
  if counter % 10 == 0 then
    return post()
  end
  return wrk.format("GET", string.format("/api/v1/customers/c1-%05d", math.random(1, 23570)), { ["X-Api-Key"] = key })
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("requests %d, non-2xx/3xx %d, connect errors %d, read errors %d, write errors %d, timeouts %d\n",
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout))
end
