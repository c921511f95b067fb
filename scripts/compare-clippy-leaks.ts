// Side by side: Blindspot's mem-forget / unsafe-without-safety-comment vs clippy's mem_forget / undocumented_unsafe_blocks
// (+ missing_safety_doc, which the unsafe rule also covers for `pub unsafe fn`)
// on the std-only fixtures of the leak rules. Prints every line where the two disagree, then a summary.
//   node --import tsx scripts/compare-clippy-leaks.ts [FILE.rs …]
//   node --import tsx scripts/compare-clippy-leaks.ts --crate DIR [--crate DIR …]   (a dependency-free crate: clippy on
//     DIR/src/lib.rs, Blindspot on every .rs file under DIR/src; code behind disabled `#[cfg]` is only seen by Blindspot)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { initParser } from '../server/src/engine/parser';
import { Engine } from '../server/src/engine/analyze';
import { rules } from '../server/src/rules';
import { crateFor, headers } from '../test/harness/fixtures';

/** Blindspot rule id -> the clippy lint it overlaps. */
const PAIRS: Record<string, string[]> = {
  'mem-forget': ['clippy::mem_forget'],
  'unsafe-without-safety-comment': ['clippy::undocumented_unsafe_blocks', 'clippy::missing_safety_doc'],
};
const LINTS = Object.values(PAIRS).flat();
const RULE_DIRS = ['mem-forget', 'box-leak', 'unsafe-without-safety-comment', 'rc-cycle'];
const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');

interface Hit {
  line: number;
  tool: 'clippy' | 'blindspot';
  lint: string;
}

/** Single-file, std-only fixtures (multi-file cases and `no-compile` files are not standalone crates). */
function defaultFiles(): string[] {
  const out: string[] = [];
  for (const dir of RULE_DIRS) {
    for (const sub of ['', 'fixes']) {
      const d = path.join(FIXTURES, dir, sub);
      if (!fs.existsSync(d)) continue;
      for (const f of fs.readdirSync(d).sort()) {
        if (!f.endsWith('.rs') || f.endsWith('.fixed.rs')) continue;
        const text = fs.readFileSync(path.join(d, f), 'utf8');
        if (headers(text).needs.length || /no-compile/.test(text.split('\n')[0])) continue;
        out.push(path.join(d, f));
      }
    }
  }
  return out;
}

interface FileHit extends Hit {
  file: string;
}

function clippyHits(file: string, edition: string, outDir: string): Hit[] | string {
  const hits = clippyFileHits(file, edition, outDir);
  return typeof hits === 'string' ? hits : hits.filter((h) => path.resolve(h.file) === path.resolve(file));
}

function clippyFileHits(file: string, edition: string, outDir: string): FileHit[] | string {
  const args = ['--edition', edition, '--crate-type', 'lib', '--emit=metadata', '--error-format=json', '--out-dir', outDir, '--crate-name', 'compare'];
  for (const lint of LINTS) args.push('-W', lint);
  const r = spawnSync('clippy-driver', [...args, file], { encoding: 'utf8' });
  if (r.error) return `clippy-driver not runnable: ${r.error.message}`;
  const hits: FileHit[] = [];
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const d = JSON.parse(line) as { code?: { code: string } | null; spans: { is_primary: boolean; line_start: number; file_name: string }[] };
    const lint = d.code?.code;
    if (!lint || !LINTS.includes(lint)) continue;
    // A lint pair is one Blindspot rule: compare by rule.
    const rule = Object.keys(PAIRS).find((id) => PAIRS[id].includes(lint))!;
    const span = d.spans.find((s) => s.is_primary);
    if (span) hits.push({ line: span.line_start, tool: 'clippy', lint: rule, file: path.resolve(path.dirname(file), span.file_name.startsWith('/') ? span.file_name : path.relative(path.dirname(file), span.file_name)) });
  }
  return hits;
}

function blindspotHits(engine: Engine, file: string, text: string): Hit[] {
  const result = engine.checkText(file, text, crateFor(text));
  return result.findings
    .filter((f) => PAIRS[f.ruleId])
    .map((f) => ({ line: text.slice(0, f.range.start).split('\n').length, tool: 'blindspot' as const, lint: f.ruleId }));
}

function rsFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? rsFilesUnder(full) : e.name.endsWith('.rs') ? [full] : [];
  });
}

/** One crate: clippy on its root, Blindspot on its files; prints the disagreements and returns the totals. */
function compareCrate(engine: Engine, dir: string, outDir: string): { both: number; clippyOnly: number; blindspotOnly: number } | string {
  const manifest = fs.readFileSync(path.join(dir, 'Cargo.toml'), 'utf8');
  const edition = /^edition\s*=\s*"(\d{4})"/m.exec(manifest)?.[1] ?? '2015';
  const clippy = clippyFileHits(path.join(dir, 'src', 'lib.rs'), edition, outDir);
  if (typeof clippy === 'string') return clippy;
  const key = (file: string, h: Hit) => `${path.resolve(file)}\u0000${h.lint}\u0000${h.line}`;
  const clippyKeys = new Set(clippy.map((h) => key(h.file, h)));
  const ourKeys = new Set<string>();
  for (const file of rsFilesUnder(path.join(dir, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const h of blindspotHits(engine, file, text)) ourKeys.add(key(file, h));
  }
  const totals = { both: 0, clippyOnly: 0, blindspotOnly: 0 };
  for (const k of [...new Set([...clippyKeys, ...ourKeys])].sort()) {
    const [file, lint, line] = k.split('\u0000');
    if (clippyKeys.has(k) && ourKeys.has(k)) {
      totals.both++;
      continue;
    }
    if (clippyKeys.has(k)) totals.clippyOnly++;
    else totals.blindspotOnly++;
    const source = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n')[Number(line) - 1]?.trim() : '';
    console.log(`${clippyKeys.has(k) ? 'only clippy   ' : 'only blindspot'}  ${path.relative(dir, file)}:${line}  ${lint}  | ${source}`);
  }
  console.log(`${path.basename(dir)}: ${totals.both} agree, ${totals.clippyOnly} only clippy, ${totals.blindspotOnly} only blindspot\n`);
  return totals;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--crate') {
    await initParser();
    const engine = new Engine(rules.filter((r) => PAIRS[r.id]));
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-clippy-'));
    const sum = { both: 0, clippyOnly: 0, blindspotOnly: 0 };
    for (let i = 0; i < args.length; i += 2) {
      const t = compareCrate(engine, args[i + 1], outDir);
      if (typeof t === 'string') {
        console.error(t);
        process.exitCode = 2;
        return;
      }
      sum.both += t.both;
      sum.clippyOnly += t.clippyOnly;
      sum.blindspotOnly += t.blindspotOnly;
    }
    console.log(`all crates: ${sum.both} agree, ${sum.clippyOnly} only clippy, ${sum.blindspotOnly} only blindspot`);
    return;
  }
  const result = await compareFiles(args.length ? args : defaultFiles());
  if (typeof result === 'string') {
    console.error(result);
    process.exitCode = 2;
    return;
  }
  for (const d of result.differences) console.log(`${d.side === 'clippy' ? 'only clippy   ' : 'only blindspot'}  ${d.file}:${d.line}  ${d.rule}  | ${d.source}`);
  console.log(`\n${result.files} files: ${result.agree} findings agree, ${result.differences.filter((d) => d.side === 'clippy').length} only clippy, ${result.differences.filter((d) => d.side === 'blindspot').length} only blindspot`);
}

export interface Difference {
  /** Relative to the current directory. */
  file: string;
  line: number;
  rule: string;
  /** Who reports it. */
  side: 'clippy' | 'blindspot';
  source: string;
}

/** Compares single files (default: the std-only leak fixtures); a string when clippy-driver cannot run. */
export async function compareFiles(files: string[] = defaultFiles()): Promise<{ files: number; agree: number; differences: Difference[] } | string> {
  await initParser();
  const engine = new Engine(rules.filter((r) => PAIRS[r.id]));
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-clippy-'));
  let agree = 0;
  const differences: Difference[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const clippy = clippyHits(file, headers(text).edition, outDir);
    if (typeof clippy === 'string') return clippy;
    const key = (h: Hit) => `${h.lint}:${h.line}`;
    const clippyKeys = new Set(clippy.map(key));
    const ourKeys = new Set(blindspotHits(engine, file, text).map(key));
    const source = text.split('\n');
    for (const k of new Set([...clippyKeys, ...ourKeys])) {
      const [rule, line] = [k.slice(0, k.lastIndexOf(':')), Number(k.slice(k.lastIndexOf(':') + 1))];
      if (clippyKeys.has(k) && ourKeys.has(k)) agree++;
      else differences.push({ file: path.relative(process.cwd(), file), line, rule, side: clippyKeys.has(k) ? 'clippy' : 'blindspot', source: source[line - 1]?.trim() ?? '' });
    }
  }
  return { files: files.length, agree, differences };
}

if (require.main === module) void main();
