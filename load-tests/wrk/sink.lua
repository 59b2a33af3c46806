-- wrk script for a subscription's HTTP sink: POSTs one envelope per request, with the headers a
-- subscription's HTTP delivery sends, so that wrk measures what the sink itself can take.
--
--   wrk -t2 -c64 -d23s --latency -s load-tests/wrk/sink.lua http://127.0.0.1:28090 -- \
--       EVENT_BYTES ACTIVE_SECONDS [PATH]
--
--   EVENT_BYTES    target size of one serialised envelope                           default 256
--   ACTIVE_SECONDS stop sending new requests after this many seconds, so that every
--                  request sent is answered before wrk's -d ends (give -d a few
--                  seconds more); 0 = send until wrk stops                          default 0
--   PATH           the request path                                                 default /events
--
-- The body is an envelope like wrk/events.lua's (fresh version 4 UUID eventId, eventType
-- bench.measured, aggregateId one of 4096 keys, data padded to EVENT_BYTES); the headers are those of
-- the gateway's HTTP sink: Content-Type application/json, event-id and Idempotency-Key (the eventId),
-- event-type, event-version, correlation-id and a traceparent.
--
-- done() prints one line in the shape of events.lua's:
--   SLUICE_WRK {"requests_sent":...,"answers":...,"accepted_events":...,"status":{...},...}
-- answers = the responses wrk completed; accepted_events = those not counted as errors by wrk (status
-- >= 400), one event each. wrk calls response() only for an answer with at least one header (a bare
-- "HTTP/1.1 204 No Content" has none), so the per-status counts cover the answers with headers only
-- and the totals come from wrk's own summary.

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
event_bytes, active, path = 256, 0, "/events"
thread_id = thread_id or 0
requests_sent = 0
answers = 0
accepted_events = 0
status_counts = {}     -- status code (string) -> count
samples = {}           -- status code (string) -> first body seen (truncated)

local deadline = nil
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
local head2 = '","eventType":"bench.measured","eventVersion":1,"occurredAt":"'
local head3 = '","source":"sluice-load-tests","aggregateId":"agg-'
local head4 = '","data":{"reading":'
local head5 = ',"pad":"'
local tail = '"}}'
local suffix = {}      -- suffix[k]: the rest of an envelope of key agg-k, padded to event_bytes

local function make_suffixes()
  local bare = #head1 + 36 + #head2 + 20 + #head3 + 4 + #head4 + 6 + #head5 + #tail
  local pad = event_bytes > bare and string.rep("x", event_bytes - bare) or ""
  for k = 0, 4095 do
    suffix[k] = concat({ head3, fmt("%04d", k), head4, rnd(100000, 999999), head5, pad, tail })
  end
end

function init(args)
  event_bytes = tonumber(args[1] or "256") or 256
  active = tonumber(args[2] or "0") or 0
  path = args[3] or "/events"
  seed()
  make_suffixes()
  if active > 0 then deadline = now_s() + active end
end

function request()
  requests_sent = requests_sent + 1
  local id = uuid4()
  local headers = {
    ["Content-Type"] = "application/json",
    ["event-id"] = id,
    ["Idempotency-Key"] = id,
    ["event-type"] = "bench.measured",
    ["event-version"] = "1",
    ["correlation-id"] = id,
    ["traceparent"] = fmt("00-%08x%08x%08x%08x-%08x%08x-01", rnd(0, 4294967295), rnd(0, 4294967295),
      rnd(0, 4294967295), rnd(0, 4294967295), rnd(0, 4294967295), rnd(0, 4294967295)),
  }
  return wrk.format("POST", path, headers, concat({ head1, id, head2, occurred_at(), suffix[rnd(0, 4095)] }))
end

-- After ACTIVE_SECONDS no connection sends again (the delay outlasts the run), so the answers to
-- everything sent arrive before wrk stops.
function delay()
  if deadline ~= nil and now_s() >= deadline then return 3600000 end
  return 0
end

function response(status, hdrs, body)
  answers = answers + 1
  local key = tostring(status)
  status_counts[key] = (status_counts[key] or 0) + 1
  if status >= 200 and status < 300 then
    accepted_events = accepted_events + 1
  elseif samples[key] == nil and body then
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
  local sent, answered, accepted = 0, 0, 0
  local statuses, bodies = {}, {}
  for _, t in ipairs(threads) do
    sent = sent + (t:get("requests_sent") or 0)
    answered = answered + (t:get("answers") or 0)
    accepted = accepted + (t:get("accepted_events") or 0)
    for k, v in pairs(t:get("status_counts") or {}) do statuses[k] = (statuses[k] or 0) + v end
    for k, v in pairs(t:get("samples") or {}) do bodies[k] = bodies[k] or v end
  end
  local e = summary.errors
  -- every complete answer, with headers or not; wrk counts those >= 400 in errors.status
  answered = math.max(answered, summary.requests)
  accepted = answered - e.status
  io.write("SLUICE_WRK {",
    '"events_per_request":1,',
    fmt('"requests_sent":%d,"answers":%d,"accepted_events":%d,"non_2xx":%d,', sent, answered, accepted, e.status),
    fmt('"wrk_requests":%d,"duration_us":%d,', summary.requests, summary.duration),
    fmt('"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,',
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean),
    fmt('"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},',
      e.connect, e.read, e.write, e.timeout),
    '"status":', json_map(statuses), ',',
    '"sample_bodies":', json_map(bodies),
    "}\n")
end
