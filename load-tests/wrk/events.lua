-- wrk script for Sluice: POST /v1/events with fresh, valid envelopes.
--
--   wrk -t2 -c64 -d22s --latency -s load-tests/wrk/events.lua http://127.0.0.1:8080 -- \
--       EVENTS EVENT_BYTES FORMAT ACTIVE_SECONDS [RATE THREADS [EVENT_TYPE [AUTHORIZATION]]]
--
--   EVENTS         events per request (1 = one envelope object; >1 = a batch)      default 1
--   EVENT_BYTES    target size of one serialised envelope                           default 256
--   FORMAT         json (object / array) or ndjson                                  default json
--   ACTIVE_SECONDS stop sending new requests after this many seconds, so that every
--                  request sent is answered before wrk's -d ends (give -d a few
--                  seconds more); 0 = send until wrk stops (answers in flight at the
--                  end are then lost and "landed" can exceed "accepted")          default 0
--   RATE           requests/s over all threads, paced per thread (an open model as long
--                  as enough connections are free; no catch-up past 1 s behind); 0 = as
--                  fast as answers come (closed model)                              default 0
--   THREADS        wrk's -t, to split RATE among the threads                        default 1
--   EVENT_TYPE     the events' eventType (the bench's schema row uses bench.checked,
--                  whose schema these payloads satisfy)                             default bench.measured
--   AUTHORIZATION  the Authorization header of every request, e.g. "Bearer sk_..." (the bench's
--                  auth rows); empty = none                                        default none
--
-- Every event gets a random version 4 UUID eventId (per-thread generator seeded from
-- /dev/urandom), eventType bench.measured (or EVENT_TYPE), eventVersion 1, occurredAt now (RFC 3339),
-- aggregateId one of 4096 keys (agg-0000..agg-4095), and data = {"reading": n, "pad": "xx.."}
-- (n drawn once per key) padded so that the envelope is EVENT_BYTES long.
--
-- Responses are counted by status in thread-local tables and summed in done(), which
-- prints one line:  SLUICE_WRK {"requests":...,"accepted_events":...,"status":{...},...}
-- accepted_events counts 202 answers (x EVENTS) plus "accepted":n of 207 answers.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } sluice_timespec;
  int clock_gettime(int clk_id, sluice_timespec *tp);
]]
local ts = ffi.new("sluice_timespec")
local function now_s()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local rnd, fmt, concat, floor = math.random, string.format, table.concat, math.floor

-- ---------------------------------------------------------------- all threads
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

-- ---------------------------------------------------------------- per thread
-- (globals below live in each thread's own Lua state)
events, event_bytes, format, active, rate = 1, 256, "json", 0, 0
thread_id = thread_id or 0
requests_sent = 0
answers = 0
accepted_events = 0
status_counts = {}     -- status code (string) -> count
no_retry_after = 0     -- 503s without a Retry-After header
samples = {}           -- status code (string) -> first body seen (truncated)

local deadline = nil
local interval = nil   -- seconds between two sends of this thread when paced
local next_slot = nil
local headers = {}
local stamp, stamp_at = "", -1

local function seed()
  local f = io.open("/dev/urandom", "rb")
  local s = 0
  if f then
    local b = f:read(6)
    f:close()
    for i = 1, #b do s = s * 256 + b:byte(i) end
  end
  math.randomseed(s + thread_id * 104729 + floor(now_s() * 1e6) % 1000003)
  for _ = 1, 10 do rnd() end
end

-- A random version 4 UUID: one string.format of five random numbers (LuaJIT formats 32-bit values
-- with %08x); cheaper than one call per group.
local function uuid4()
  return fmt("%08x-%04x-4%03x-%04x-%08x%04x", rnd(0, 4294967295), rnd(0, 65535), rnd(0, 4095),
    rnd(32768, 49151), rnd(0, 4294967295), rnd(0, 65535))
end

local function occurred_at()
  local t = os.time()
  if t ~= stamp_at then
    stamp, stamp_at = os.date("!%Y-%m-%dT%H:%M:%SZ", t), t
  end
  return stamp
end

local head1 = '{"eventId":"'
local head2 = nil -- '","eventType":"<EVENT_TYPE>","eventVersion":1,"occurredAt":"', set by init
local head3 = '","source":"sluice-load-tests","aggregateId":"agg-'
local head4 = '","data":{"reading":'
local head5 = ',"pad":"'
local tail = '"}}'
-- suffix[k]: the rest of an envelope whose aggregateId is agg-k (its reading drawn once per key), padded
-- so that the envelope is event_bytes long; every field is fixed width
local suffix = {}

local function make_suffixes()
  local bare = #head1 + 36 + #head2 + 20 + #head3 + 4 + #head4 + 6 + #head5 + #tail
  local pad = event_bytes > bare and string.rep("x", event_bytes - bare) or ""
  for k = 0, 4095 do
    suffix[k] = concat({ head3, fmt("%04d", k), head4, rnd(100000, 999999), head5, pad, tail })
  end
end

function init(args)
  events = tonumber(args[1] or "1") or 1
  event_bytes = tonumber(args[2] or "256") or 256
  format = args[3] or "json"
  active = tonumber(args[4] or "0") or 0
  rate = tonumber(args[5] or "0") or 0
  local nthreads = tonumber(args[6] or "1") or 1
  head2 = '","eventType":"' .. (args[7] or "bench.measured") .. '","eventVersion":1,"occurredAt":"'
  if rate > 0 then interval = nthreads / rate end
  seed()
  make_suffixes()
  headers = {
    ["Content-Type"] = (format == "ndjson") and "application/x-ndjson" or "application/json",
    ["Accept"] = "application/json",
  }
  if args[8] and args[8] ~= "" then headers["Authorization"] = args[8] end
  if active > 0 then deadline = now_s() + active end
end

-- The body: the pieces of every envelope in one table, joined once.
function request()
  requests_sent = requests_sent + 1
  local stamp_now = occurred_at()
  local single = events == 1 and format ~= "ndjson"
  local sep = (format == "ndjson") and "\n" or ","
  local parts, j = {}, 0
  if not single and format ~= "ndjson" then parts[1] = "["; j = 1 end
  for _ = 1, events do
    parts[j + 1] = head1
    parts[j + 2] = uuid4()
    parts[j + 3] = head2
    parts[j + 4] = stamp_now
    parts[j + 5] = suffix[rnd(0, 4095)]
    parts[j + 6] = sep
    j = j + 6
  end
  if single then
    parts[j] = nil
  elseif format == "ndjson" then
    parts[j] = "\n"
  else
    parts[j] = "]"
  end
  return wrk.format("POST", "/v1/events", headers, concat(parts))
end

-- After ACTIVE_SECONDS no connection sends again (the delay outlasts the run), so the
-- answers to everything sent arrive before wrk stops. wrk starts a request's latency clock
-- after the delay, so this does not distort latencies.
function delay()
  if deadline == nil and interval == nil then return 0 end
  local now = now_s()
  if deadline ~= nil and now >= deadline then
    return 3600000
  end
  if interval == nil then return 0 end
  if next_slot == nil or next_slot < now - 1 then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + interval
  if slot <= now then return 0 end
  return math.ceil((slot - now) * 1000)
end

function response(status, hdrs, body)
  answers = answers + 1
  local key = tostring(status)
  status_counts[key] = (status_counts[key] or 0) + 1
  if status == 202 then
    accepted_events = accepted_events + events
    return
  end
  if status == 207 and body then
    local n = body:match('"accepted"%s*:%s*(%d+)')
    if n then accepted_events = accepted_events + tonumber(n) end
  end
  if status == 503 then
    local found = false
    for k, _ in pairs(hdrs) do
      if string.lower(k) == "retry-after" then found = true end
    end
    if not found then no_retry_after = no_retry_after + 1 end
  end
  if samples[key] == nil and body then
    samples[key] = string.sub(body, 1, 300)
  end
end

-- ---------------------------------------------------------------- summary
local function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return fmt("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

local function json_map(t)
  local keys = {}
  for k, _ in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    out[#out + 1] = json_string(k) .. ":" .. (type(v) == "string" and json_string(v) or tostring(v))
  end
  return "{" .. concat(out, ",") .. "}"
end

function done(summary, latency, requests)
  local total = { sent = 0, answers = 0, accepted = 0, no_retry_after = 0 }
  local statuses, bodies = {}, {}
  local ev = 1
  for _, t in ipairs(threads) do
    ev = t:get("events") or ev
    total.sent = total.sent + (t:get("requests_sent") or 0)
    total.answers = total.answers + (t:get("answers") or 0)
    total.accepted = total.accepted + (t:get("accepted_events") or 0)
    total.no_retry_after = total.no_retry_after + (t:get("no_retry_after") or 0)
    for k, v in pairs(t:get("status_counts") or {}) do statuses[k] = (statuses[k] or 0) + v end
    for k, v in pairs(t:get("samples") or {}) do bodies[k] = bodies[k] or v end
  end
  local e = summary.errors
  io.write("SLUICE_WRK {",
    fmt('"events_per_request":%d,', ev),
    fmt('"requests_sent":%d,"answers":%d,"accepted_events":%d,', total.sent, total.answers, total.accepted),
    fmt('"wrk_requests":%d,"duration_us":%d,', summary.requests, summary.duration),
    fmt('"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,',
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean),
    fmt('"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},',
      e.connect, e.read, e.write, e.timeout),
    fmt('"no_retry_after_503":%d,', total.no_retry_after),
    '"status":', json_map(statuses), ',',
    '"sample_bodies":', json_map(bodies),
    "}\n")
end
