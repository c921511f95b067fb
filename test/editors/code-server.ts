// code-server (VS Code in the browser) on 127.0.0.1 with throwaway user data and extensions dirs,
// Workspace Trust on and the folder not trusted, so the workbench opens in Restricted Mode.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { isolatedCodeServerEnv, type EditorTools } from '../../scripts/editors/setup';

/** User settings: trust enabled but never granted (no startup prompt), nothing that phones home or pops up. */
const SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
  'security.workspace.trust.untrustedFiles': 'open',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 200,
  'files.autoSave': 'off',
};

export interface CodeServer {
  url: string;
  log: string;
  userDataDir: string;
  stop(): Promise<void>;
}

function codeServerArgs(tools: EditorTools, dirs: { userDataDir: string; extensionsDir: string; config: string }): string[] {
  return [tools.codeServer, '--config', dirs.config, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir];
}

function prepareDirs(root: string) {
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const config = path.join(root, 'config.yaml');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(config, 'auth: none\n');
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  return { userDataDir, extensionsDir, config };
}

/** `code-server --install-extension FILE.vsix`; throws with code-server's output when it fails. */
function installExtension(tools: EditorTools, dirs: ReturnType<typeof prepareDirs>, vsix: string): string {
  const args = [...codeServerArgs(tools, dirs), '--install-extension', vsix, '--force'];
  const result = spawnSync(tools.node24, args, { env: isolatedCodeServerEnv(tools.cache), encoding: 'utf8', timeout: 120_000 });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${result.status}):\n${output}`);
  }
  return output.trim();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

async function waitUntilHealthy(url: string, child: ChildProcess, log: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; log: ${log}`);
    if ((await httpStatus(`${url}/healthz`)) === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms; log: ${log}`);
}

function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stops the process group we started (code-server forks its VS Code server and extension hosts): TERM, then KILL. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the group is gone
    }
  };
  signal('SIGTERM');
  if (!(await exitedWithin(child, 5000))) console.error(`code-server (pid ${child.pid}) ignored SIGTERM; killing its process group`);
  signal('SIGKILL'); // also extension hosts and language servers that outlived their parent
  if (!(await exitedWithin(child, 5000))) {
    console.error(`code-server (pid ${child.pid}) still running after SIGKILL; detaching from it`);
    child.unref();
  }
}

/**
 * code-server runs in a process group of its own (so stop() can reach its extension hosts); if this test
 * process is interrupted or exits without stop(), take that group down with it rather than orphan it.
 */
function killGroupWhenWeDie(child: ChildProcess): void {
  const kill = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', kill);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      kill();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
  child.once('exit', () => process.removeListener('exit', kill));
}

/** Installs the .vsix into a fresh extensions dir and serves `folder` on a free loopback port. */
export async function startCodeServer(tools: EditorTools, root: string, vsix: string): Promise<CodeServer & { installOutput: string }> {
  const dirs = prepareDirs(root);
  const installOutput = installExtension(tools, dirs, vsix);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = path.join(root, 'code-server.log');
  const out = fs.openSync(log, 'w');
  const args = [
    ...codeServerArgs(tools, dirs),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const child = spawn(tools.node24, args, { env: isolatedCodeServerEnv(tools.cache), stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  killGroupWhenWeDie(child);
  await waitUntilHealthy(url, child, log, 60_000);
  return { url, log, userDataDir: dirs.userDataDir, installOutput, stop: () => stopGroup(child) };
}
