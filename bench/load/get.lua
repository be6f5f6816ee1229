-- wrk script: GET the path in CLV_PATH with the API key.
local key = os.getenv("CLV_API_KEY")
local path = os.getenv("CLV_PATH")
request = function()
  return wrk.format("GET", path, { ["X-Api-Key"] = key })
end
