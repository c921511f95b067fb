// Neovim (Debian's, headless) with its built-in LSP client set up by the docs' snippet, verbatim, on the
// demo workspace: our diagnostic arrives on the guard line and the preferred code action fixes the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureEditorTools } from '../../scripts/editors/setup';
import { readNeovimSnippet, withServerPath } from './snippet';
import { makeWorkspace, outputPath, REPO, RULE } from './workspace';

interface NvimResult {
  ok: boolean;
  error?: string;
  nvim: string;
  filetype?: string;
  client?: string;
  diagnostics_ms?: number;
  diagnostics?: { lnum: number; col: number; code?: string; message: string; source?: string }[];
  actions?: { title: string; isPreferred: boolean; kind?: string }[];
  applied?: string;
  text?: string;
  cleared?: boolean;
}

const SERVER_JS = path.join(REPO, 'dist', 'server.js');

/** A config dir of its own: the snippet after a line that turns on filetype detection, nothing else. */
function writeInit(dir: string, lua: string): string {
  const init = path.join(dir, 'init.lua');
  fs.writeFileSync(init, `vim.cmd('filetype on')\n-- docs snippet below, verbatim but for the server path\n${lua}`);
  return init;
}

function runNvim(workspaceRoot: string, file: string, init: string, env: NodeJS.ProcessEnv, log: string) {
  const driver = path.join(__dirname, 'nvim-driver.lua');
  const home = path.join(path.dirname(init), 'home');
  const isolated = { XDG_CONFIG_HOME: home, XDG_DATA_HOME: home, XDG_STATE_HOME: home, XDG_CACHE_HOME: home };
  const proc = spawnSync('nvim', ['--headless', '-n', '-i', 'NONE', '-u', init, file, '-c', `luafile ${driver}`], {
    cwd: workspaceRoot,
    env: { ...process.env, ...isolated, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  fs.writeFileSync(log, `exit ${proc.status} signal ${proc.signal}\n--- stdout\n${proc.stdout}\n--- stderr\n${proc.stderr}\n`);
  return proc;
}

test('Neovim: the docs snippet attaches our server; diagnostics arrive and a code action applies', async () => {
  const tools = ensureEditorTools();
  assert.ok(fs.existsSync(SERVER_JS), `${SERVER_JS} is missing: run npm run build first`);
  const snippet = readNeovimSnippet();
  const ws = await makeWorkspace('nvim');
  const runDir = outputPath('neovim');
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  const init = writeInit(runDir, withServerPath(snippet.lua, SERVER_JS));
  const out = path.join(runDir, 'result.json');
  const log = path.join(runDir, 'nvim.log');

  try {
    runNvim(ws.root, ws.main, init, { BLINDSPOT_NVIM_OUT: out, BLINDSPOT_RULE: RULE, BLINDSPOT_GUARD_LINE: String(ws.expected.guardLine) }, log);
  } finally {
    fs.rmSync(ws.root, { recursive: true, force: true });
  }
  assert.ok(fs.existsSync(out), `nvim wrote no result; see ${log} and ${init} (snippet from ${snippet.source}); tools: ${tools.nvim}`);
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as NvimResult;
  console.log(`Neovim ${result.nvim}: snippet from ${snippet.source}; first ${RULE} diagnostic ${result.diagnostics_ms} ms after the file opened; result ${out}`);
  assert.ok(result.ok, `Neovim run failed: ${result.error}\nresult: ${out}\nlog: ${log}`);

  const onGuard = result.diagnostics!.filter((d) => d.code === RULE && d.lnum === ws.expected.guardLine);
  assert.equal(onGuard.length, 1, `expected one ${RULE} diagnostic on line ${ws.expected.guardLine + 1}: ${JSON.stringify(result.diagnostics)}`);
  assert.equal(onGuard[0].message, ws.expected.finding.message);
  const titles = result.actions!.map((a) => a.title);
  for (const title of ws.expected.fixTitles) assert.ok(titles.includes(title), `code actions ${JSON.stringify(titles)} lack "${title}"`);
  assert.equal(result.applied, ws.expected.preferred.title);
  assert.equal(result.text, ws.expected.fixedText, 'the buffer after the preferred code action');
  assert.ok(result.cleared, `the ${RULE} diagnostic stayed after the fix`);
});
