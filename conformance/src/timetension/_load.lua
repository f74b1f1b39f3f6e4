-- The load of `timetension bench` and of a review's speed phase, run by wrk.
--
-- The kit writes `plan` (a Lua table) in front of this file: the requests to send in turn and what each
-- answer must be. Every answer is checked: its status, then each Lua pattern that must match the body,
-- then, for `count`, how many times a pattern occurs. Answers that fail are counted per kind of problem.
-- A workload with several kinds of request runs one connection per thread, so that each answer is read
-- against the request this thread sent last.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

-- A workload of one request that never changes is sent from wrk's own buffer, without a call into Lua
-- per request (only the answer is read here), so that the client costs as little as it can.
local single = #plan.requests == 1 and not plan.requests[1].kind

function init(args)
  turn = 0
  sent = 0
  bad = 0
  problems = {}
  current = single and plan.requests[1] or nil
end

if single then
  local item = plan.requests[1]
  wrk.method, wrk.path, wrk.headers, wrk.body = item.method, item.path, item.headers, item.body
end

local function stamp(seconds)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", seconds)
end

-- A body of its own for each request that creates something, so that nothing collides.
local function body_for(item)
  if item.kind == "project" then
    return string.format('{"name":"speed %d-%d-%d"}', plan.run, thread_number, sent)
  elseif item.kind == "entry" then
    local slot = (thread_number * 1000000 + sent) * 60
    local start = plan.write_base + slot
    return string.format('{"started_at":"%s","ended_at":"%s","description":"speed"}',
                         stamp(start), stamp(start + plan.write_seconds))
  end
  return item.body
end

if not single then
  function request()
    turn = turn % #plan.requests + 1
    current = plan.requests[turn]
    sent = sent + 1
    return wrk.format(current.method, current.path, current.headers, body_for(current))
  end
end

local function note(problem)
  bad = bad + 1
  problems[problem] = (problems[problem] or 0) + 1
end

function response(status, headers, body)
  local item = current
  body = body or ""
  if status ~= item.status then
    note(string.format("%s: status %d, expected %d", item.name, status, item.status))
    return
  end
  for _, rule in ipairs(item.must or {}) do
    if not string.find(body, rule[1]) then
      note(item.name .. ": " .. rule[2])
      return
    end
  end
  if item.count then
    local found = 0
    for _ in string.gmatch(body, item.count[1]) do found = found + 1 end
    if found ~= item.count[2] then
      note(string.format("%s: %s %d times, expected %d", item.name, item.count[3], found, item.count[2]))
    end
  end
end

local function quoted(text)
  return '"' .. text:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local failures, kinds = 0, {}
  for _, thread in ipairs(threads) do
    failures = failures + (thread:get("bad") or 0)
    for problem, count in pairs(thread:get("problems") or {}) do
      kinds[problem] = (kinds[problem] or 0) + count
    end
  end
  local listed = {}
  for problem, count in pairs(kinds) do
    table.insert(listed, quoted(problem) .. ":" .. count)
  end
  local errors = summary.errors
  io.write("TIMETENSION-FIGURES ", string.format(
    '{"requests":%d,"duration_us":%d,"checked_failures":%d,"kinds":{%s},' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d}',
    summary.requests, summary.duration, failures, table.concat(listed, ","),
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)), "\n")
end
