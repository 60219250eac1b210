-- A fixed GET: the URL's path and query on every request (simple reads, the market snapshot).
--   wrk -t2 -c100 -d15s --latency -s loadtest/wrk/get.lua 'http://127.0.0.1:8080/api/research/latest?limit=10'
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

wrk.headers["Accept"] = "application/json"
