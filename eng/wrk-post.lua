-- wrk script for the eng/measure-*.sh scripts: POST /record with {"record":"wrk-N"}, N counting up per thread.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"record":"wrk-' .. counter .. '"}')
end
