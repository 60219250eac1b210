-- Writes: POST /api/pitches on one of the first N instruments of the load-test universe (LTAAA, LTAAB, ...,
-- as loadtest/k6/lib/data.js names them), buy or sell, with stop < entry < target for a buy and the reverse for a
-- sell.
--   wrk -t2 -c100 -d15s --latency -s loadtest/wrk/write.lua http://127.0.0.1:8080 -- 200
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local symbols = 1
local letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
local headers = { ["Accept"] = "application/json", ["Content-Type"] = "application/json" }

function init_workload(args)
   symbols = tonumber(args[1]) or 1
end

local function symbolAt(i)
   local a, b, c = math.floor(i / 676) + 1, math.floor(i / 26) % 26 + 1, i % 26 + 1
   return "LT" .. letters:sub(a, a) .. letters:sub(b, b) .. letters:sub(c, c)
end

local function cents(c)
   return string.format("%d.%02d", math.floor(c / 100), c % 100)
end

function request()
   local symbol = symbolAt(math.random(0, symbols - 1))
   local buy = math.random() < 0.5
   local entry = math.random(1000, 49999)
   local up = math.floor(entry * math.random(105, 125) / 100)
   local down = math.floor(entry * math.random(80, 95) / 100)
   local side = buy and "buy" or "sell"
   local body = string.format(
      '{"symbol":"%s","side":"%s","thesis":"Benchmark %s thesis for %s","entryPrice":%s,'
         .. '"targetPrice":%s,"stopPrice":%s,"confidence":0.%d}',
      symbol, side, side, symbol, cents(entry), cents(buy and up or down), cents(buy and down or up),
      math.random(50, 95))
   return wrk.format("POST", "/api/pitches", headers, body)
end
