-- Headless Neovim runs docs/editors.md's Neovim 0.7 snippet as written (SNIPPET, extracted by
-- test_neovim.py), opens two configs of one workspace, and reports from Neovim itself how many
-- servers run and which diagnostics each buffer holds.
--   SNIPPET=f.lua FILES="a.yaml b.yaml" nvim --headless -u NONE -c "luafile nvim_two_files.lua"
vim.cmd("filetype on")  -- -u NONE leaves filetype detection off; a user's config has it on
dofile(vim.env.SNIPPET)
local out = {}
local function emit(k, v) out[#out + 1] = vim.fn.json_encode({ k, v }) end
local bufs = {}
for f in string.gmatch(vim.env.FILES, "%S+") do
  vim.cmd("edit " .. f)
  bufs[#bufs + 1] = vim.api.nvim_get_current_buf()
end
local function all_have_diagnostics()
  for _, b in ipairs(bufs) do
    if #vim.diagnostic.get(b) == 0 then return false end
  end
  return true
end
vim.wait(30000, all_have_diagnostics, 50)
local clients = vim.lsp.get_active_clients()
emit("servers", #clients)
local pids = {}
for _, c in ipairs(clients) do
  pids[#pids + 1] = c.rpc and c.rpc.pid or -1
end
emit("pids", pids)
for i, b in ipairs(bufs) do
  local codes = {}
  for _, d in ipairs(vim.diagnostic.get(b)) do codes[#codes + 1] = d.code end
  emit("diagnostics" .. i, codes)
  emit("attached" .. i, #vim.lsp.buf_get_clients(b))
end
for _, c in ipairs(clients) do c.stop() end
vim.wait(3000, function() return #vim.lsp.get_active_clients() == 0 end, 20)
io.stdout:write(table.concat(out, "\n") .. "\n")
vim.cmd("qa!")
