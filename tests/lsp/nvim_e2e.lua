-- Headless Neovim 0.7 as a real client: open a config, read back from Neovim itself the
-- diagnostics it holds and a completion list. Run by test_neovim.py:
--   PY=python TARGET=file.yaml LINE=n COL=n nvim --headless -u NONE -c "luafile nvim_e2e.lua"
local out = {}
local function emit(k, v) out[#out + 1] = vim.fn.json_encode({ k, v }) end
local got = false
local orig = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, res, ctx, cfg)
  got = true
  return orig(err, res, ctx, cfg)
end
local file = vim.env.TARGET
local id = vim.lsp.start_client({
  name = "prune-lsp",
  cmd = { vim.env.PY, "-m", "lsp_server" },
  root_dir = vim.fn.fnamemodify(file, ":p:h"),
  init_options = { pruneLsp = { debounceMs = 0 } },
})
vim.cmd("edit " .. file)
vim.bo.filetype = "yaml"
vim.lsp.buf_attach_client(0, id)
local client = vim.lsp.get_client_by_id(id)
vim.wait(15000, function() return client.initialized end, 20)
vim.wait(15000, function() return got end, 20)
vim.wait(200)
emit("diagnostics", vim.diagnostic.get(0))
emit("encoding", client.offset_encoding)
local resp = vim.lsp.buf_request_sync(0, "textDocument/completion", {
  textDocument = { uri = vim.uri_from_bufnr(0) },
  position = { line = tonumber(vim.env.LINE), character = tonumber(vim.env.COL) },
}, 10000)
for _, r in pairs(resp or {}) do
  local items = r.result and (r.result.items or r.result) or {}
  local labels = {}
  for _, it in ipairs(items) do labels[#labels + 1] = it.label end
  emit("completion", labels)
end
client.stop()
vim.wait(3000, function() return vim.lsp.get_client_by_id(id) == nil end, 20)
io.stdout:write(table.concat(out, "\n") .. "\n")
vim.cmd("qa!")
