-- wrk script: the fixed request mix every configuration gets (three requests in turn, each as a browser or an
-- API client would send it), and the figures wrk measured as one JSON line for bench/envoy/load.ts.
local requests = {}
local next_request = 0

function init(args)
  local common = {
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) bench/1.0",
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Language"] = "en-US,en;q=0.5",
    ["Accept-Encoding"] = "identity",
    ["Cookie"] = "session=4f1c2a9e0b7d4c3aa1e5; theme=dark",
    ["X-Request-Source"] = "bench",
  }
  local api = {
    ["User-Agent"] = "bench-client/2.3",
    ["Accept"] = "application/json",
    ["Authorization"] = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl",
    ["X-Tenant"] = "acme",
  }
  local post = {
    ["User-Agent"] = "bench-client/2.3",
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  requests[1] = wrk.format("GET", "/", common)
  requests[2] = wrk.format("GET", "/api/items?id=42&page=3", api)
  requests[3] = wrk.format("POST", "/api/items", post, '{"name":"widget","quantity":3,"tags":["a","b","c"]}')
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
