// Workspace scan of the corpus four ways, run in turns so each round sees the same machine load:
// bare single-thread web-tree-sitter parsing (read + parse + delete), our scan on worker threads
// (scanFiles, every core), the CLI as a user runs it (`node dist/cli.js check`), and ast-grep with one pattern.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Engine } from '../../server/src/engine/analyze';
import { parse } from '../../server/src/engine/parser';
import { scanFiles, type ScanStats } from '../../server/src/engine/scan';
import { REGISTRY, type CorpusFile } from './corpus';

const ROOT = path.resolve(__dirname, '../..');
const AST_GREP_VERSION = '0.51.1';
const AST_GREP_PACKAGE = `@ast-grep/cli-${process.platform}-${process.arch}-gnu`;

export function bareParse(files: CorpusFile[]): void {
  for (const f of files) parse(fs.readFileSync(f.path, 'utf8'))?.delete();
}

export async function workerScan(files: CorpusFile[], threads: number): Promise<{ findings: number; skipped: number; stats: ScanStats }> {
  const stats = {} as ScanStats;
  let findings = 0;
  let skipped = 0;
  const workerScript = path.join(ROOT, 'dist/worker.js');
  for await (const r of scanFiles(files.map((f) => f.path), { engine: new Engine(), threads, stats, workerScript })) {
    findings += r.findings.length;
    if (r.skipped) skipped++;
  }
  return { findings, skipped, stats };
}

/** The CLI on the whole registry folder, JSON to a pipe (not printed). */
export function cliScan(target: string): number {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'check', target, '--format', 'json'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 1) throw new Error(`blindspot check exited ${run.status}: ${run.stderr.slice(0, 400)}`);
  try {
    const report = JSON.parse(run.stdout) as { summary?: { findings?: number } };
    return report.summary?.findings ?? -1;
  } catch {
    return -1;
  }
}

/** ast-grep's native binary from its platform package (the wrapper's install script never runs here). */
export function ensureAstGrep(log: (line: string) => void): string | undefined {
  const prefix = path.join(ROOT, 'node_modules/.cache/blindspot-bench');
  const binary = path.join(prefix, 'node_modules', AST_GREP_PACKAGE, 'ast-grep');
  if (fs.existsSync(binary)) return binary;
  log(`ast-grep: installing ${AST_GREP_PACKAGE}@${AST_GREP_VERSION} into ${path.relative(ROOT, prefix)} …`);
  try {
    fs.mkdirSync(prefix, { recursive: true });
    if (!fs.existsSync(path.join(prefix, 'package.json'))) fs.writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
    execFileSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${AST_GREP_PACKAGE}@${AST_GREP_VERSION}`], { cwd: prefix, stdio: 'ignore' });
  } catch (error) {
    log(`ast-grep: not available (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
  return fs.existsSync(binary) ? binary : undefined;
}

/** `ast-grep run -p '$X.lock()'` over the same folder; returns the number of matches. */
export function astGrepScan(binary: string, target: string): number {
  const run = spawnSync(binary, ['run', '-p', '$X.lock()', '-l', 'rust', '--json=stream', target], { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (run.error) throw run.error;
  return run.stdout.split('\n').filter(Boolean).length;
}

export const corpusRoot = REGISTRY;
export const cores = os.availableParallelism();
