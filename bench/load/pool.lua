-- wrk script: replays a file of prepared requests (one per line: method, path, cookie, body, extra headers,
-- separated by tabs) and checks every response.
--
--   wrk -t2 -c32 -d10s -s pool.lua http://127.0.0.1:PORT -- FILE MODE THREADS STATUSES EXPECT WHERE
--
-- MODE "cycle" goes round the file again and again (pages, autosaves). MODE "once" is for requests that
-- only do their work once (starting, submitting an attempt): the pool should outlast the run; if it runs
-- out, the thread goes round again (repeats are cheap no-ops for the app) and its figures are counted up to
-- that moment. A thread never stops early and never idles on an open connection: a sync gunicorn worker
-- that accepted it would wait on it. A response counts as bad unless its status is one of STATUSES (e.g.
-- "200" or "302") and EXPECT is found in WHERE ("body" or "location"). done() prints one line:
-- QBRESULT {json}.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } qb_timespec;
int clock_gettime(int clk_id, qb_timespec *tp);
]]
local clock = ffi.new("qb_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

-- setup() and done() run in the main Lua state; the rest in each thread's own state.
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local pool = {}
local size = 0
local cursor = 0
local once = false
local statuses = {}
local expect = ""
local where = "body"

first_us = 0
last_us = 0
answered = 0
bad = 0
exhausted = 0
exhausted_us = 0 -- when a "once" pool ran out (0: it did not)
answered_before = 0 -- responses counted before that moment
sample = ""

function init(args)
  local file, mode, nthreads = args[1], args[2], tonumber(args[3])
  once = mode == "once"
  for code in string.gmatch(args[4], "%d+") do
    statuses[tonumber(code)] = true
  end
  expect = args[5] or ""
  where = args[6] or "body"
  local line_number = 0
  for line in io.lines(file) do
    if line_number % nthreads == thread_index then
      local method, path, cookie, body, extra = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
      local headers = { ["Host"] = "127.0.0.1" }
      if cookie ~= "" then headers["Cookie"] = cookie end
      if body ~= "" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
      end
      for name, value in string.gmatch(extra, "([^:;]+):%s*([^;]+)") do
        headers[name] = value
      end
      size = size + 1
      pool[size] = wrk.format(method, path, headers, body)
    end
    line_number = line_number + 1
  end
end

function request()
  if first_us == 0 then first_us = now_us() end
  if cursor >= size then
    if once and exhausted == 0 then
      exhausted = 1
      exhausted_us = now_us()
      answered_before = answered
    end
    cursor = 0
  end
  cursor = cursor + 1
  return pool[cursor]
end

function response(status, headers, body)
  last_us = now_us()
  answered = answered + 1
  local ok = statuses[status] == true
  if ok and expect ~= "" then
    local haystack = body or ""
    if where == "location" then haystack = headers["Location"] or headers["location"] or "" end
    ok = string.find(haystack, expect, 1, true) ~= nil
  end
  if not ok then
    bad = bad + 1
    if sample == "" then
      local location = headers["Location"] or headers["location"] or ""
      sample = status .. " " .. location .. " " .. string.sub(body or "", 1, 240)
    end
  end
end

local function clean(text)
  return (string.gsub(string.gsub(text, "[^%w%s%.%,%:%;%-%/%?%=%(%)%[%]%{%}%<%>%!%_]", " "), "%s+", " "))
end

function done(summary, latency, _requests)
  -- Requests per second: the sum of each thread's own rate, over its own window (for a "once" pool that
  -- ran out, up to that moment: the repeats after it are not counted).
  local rate, total, total_bad, ran_out, first_sample = 0, 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    local first, last = thread:get("first_us") or 0, thread:get("last_us") or 0
    local count = thread:get("answered") or 0
    local out = thread:get("exhausted_us") or 0
    if out > 0 then
      last, count, ran_out = out, thread:get("answered_before") or 0, ran_out + 1
    end
    if last > first then rate = rate + count / ((last - first) / 1000000) end
    total = total + count
    total_bad = total_bad + (thread:get("bad") or 0)
    if first_sample == "" then first_sample = thread:get("sample") or "" end
  end
  local errors = summary.errors
  -- A table of percentiles, so the runs of one phase can be merged into the phase's own percentiles.
  local table_us = {}
  for _, p in ipairs({1, 5, 10, 25, 50, 75, 90, 95, 97, 98, 99, 99.5, 99.9}) do
    table_us[#table_us + 1] = string.format("[%g,%d]", p, latency:percentile(p))
  end
  io.write(string.format(
    'QBRESULT {"rps":%.2f,"responses":%d,"bad":%d,"duration_us":%d,"wrk_requests":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"threads_ran_out":%d,"min_us":%d,' ..
    '"percentiles_us":[%s],"sample":"%s"}\n',
    rate, total, total_bad, summary.duration, summary.requests,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout, ran_out, latency.min,
    table.concat(table_us, ","), clean(first_sample)))
end
