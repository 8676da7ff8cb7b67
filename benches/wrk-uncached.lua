-- The same query mix as wrk.lua, but every request is a new query (it excludes a word that no
-- runbook has), so no answer comes from the server's cache: the cost of searching itself.
local queries = {
  "database%20connection%20pool", "restart%20worker", "billing00-17.prod.example.com",
  "10.20.30.12", "certif", "replcation%20lag", "%22disk%20full%22",
  "timeout%20owner%3Ateam-payments", "hosting%3Avendor%20sso",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/search?limit=10&q=" .. queries[(i % #queries) + 1] .. "%20-zzq" .. i)
end
