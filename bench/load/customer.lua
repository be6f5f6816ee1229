-- wrk script: GET /api/v1/customers/{id} for a random CDNOW customer of the first copy (c1-00001 .. c1-23570).
local key = os.getenv("CLV_API_KEY")
math.randomseed(os.time())
request = function()
  local id = string.format("c1-%05d", math.random(1, 23570))
  return wrk.format("GET", "/api/v1/customers/" .. id, { ["X-Api-Key"] = key })
end
