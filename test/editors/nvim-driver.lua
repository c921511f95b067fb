-- Runs inside `nvim --headless` after docs/editors.md's snippet has set up the LSP client and the Rust
-- file is loaded. Waits for our diagnostics, asks for code actions on the guard line, applies the
-- preferred one and writes what it saw as JSON to $BLINDSPOT_NVIM_OUT. Written for Neovim 0.7 (Debian)
-- and later: no vim.lsp.start, vim.lsp.get_clients or vim.json there.
local out_path = os.getenv('BLINDSPOT_NVIM_OUT')
local rule = os.getenv('BLINDSPOT_RULE')
local guard_line = tonumber(os.getenv('BLINDSPOT_GUARD_LINE'))
local started = vim.loop.hrtime()
local result = { nvim = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch }

local function elapsed_ms()
  return math.floor((vim.loop.hrtime() - started) / 1e6)
end

local function clients_of(buf)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = buf })
  end
  local list = {}
  for _, client in pairs(vim.lsp.buf_get_clients(buf)) do
    table.insert(list, client)
  end
  return list
end

local function code_of(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

local function rule_diagnostics(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if code_of(d) == rule then
      table.insert(found, d)
    end
  end
  return found
end

local function finish(ok, err)
  result.ok = ok
  result.error = err and tostring(err) or nil
  local file = assert(io.open(out_path, 'w'))
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd(ok and 'qall!' or 'cquit!')
end

-- Code actions for the guard line, as the client would ask on `vim.lsp.buf.code_action()`.
local function code_actions(buf, client, diagnostic)
  vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, diagnostic.col })
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf, diagnostic.lnum), only = { 'quickfix' } }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 10000) or {}
  local actions = {}
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      table.insert(actions, action)
    end
  end
  return actions
end

local function apply(client, action)
  if action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  end
  local command = type(action.command) == 'table' and action.command or nil
  if command then
    client.request_sync('workspace/executeCommand', command, 10000)
  end
end

local function run()
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype
  if not vim.wait(20000, function() return #clients_of(buf) > 0 end, 50) then
    error('no LSP client attached to the Rust buffer (filetype ' .. result.filetype .. ')')
  end
  local client = clients_of(buf)[1]
  result.client = client.name
  local arrived = vim.wait(30000, function() return #rule_diagnostics(buf) > 0 end, 20)
  result.diagnostics_ms = elapsed_ms()
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, code = code_of(d), message = d.message, source = d.source })
  end
  if not arrived then
    error('no ' .. rule .. ' diagnostic arrived')
  end
  local diagnostic = rule_diagnostics(buf)[1]
  for _, d in ipairs(rule_diagnostics(buf)) do
    if d.lnum == guard_line then diagnostic = d end
  end
  local actions = code_actions(buf, client, diagnostic)
  result.actions = {}
  local preferred = nil
  for _, action in ipairs(actions) do
    table.insert(result.actions, { title = action.title, isPreferred = action.isPreferred or false, kind = action.kind })
    if action.isPreferred and not preferred then preferred = action end
  end
  if not preferred then
    error('no preferred code action among ' .. #actions)
  end
  result.applied = preferred.title
  apply(client, preferred)
  result.text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n') .. '\n'
  result.cleared = vim.wait(15000, function() return #rule_diagnostics(buf) == 0 end, 20)
end

local ok, err = pcall(run)
finish(ok, err)
