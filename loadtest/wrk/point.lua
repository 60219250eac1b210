-- Point reads: GET /api/research/{id} with ids drawn uniformly from [MIN_ID, MAX_ID] (all of which must exist).
--   wrk -t2 -c100 -d15s --latency -s loadtest/wrk/point.lua http://127.0.0.1:8080 -- 1 100000
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local minId, maxId = 1, 1

function init_workload(args)
   minId = tonumber(args[1]) or 1
   maxId = tonumber(args[2]) or minId
end

local headers = { ["Accept"] = "application/json" }

function request()
   return wrk.format("GET", "/api/research/" .. math.random(minId, maxId), headers)
end
