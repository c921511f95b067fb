// Side by side with clippy: runs clippy-driver and Blindspot on the std-only fixtures of the given rules
// and prints every function where they disagree. Functions are compared, not columns: clippy points at the
// binding (`let mut g;`), Blindspot at the acquiring expression (`g = m.lock().unwrap()`).
//   node --import tsx scripts/compare-clippy.ts [RULE=clippy_lint[,lint] ...]
// Defaults to the lock rules. Exits 0; differences are information (deliberate ones are in the rules' docs).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { initParser } from '../server/src/engine/parser';
import { Engine } from '../server/src/engine/analyze';
import { rules } from '../server/src/rules';
import { crateFor, headers } from '../test/harness/fixtures';

const DEFAULT_PAIRS = ['lock-across-await=await_holding_lock', 'refcell-across-await=await_holding_refcell_ref'];

function clippyLines(file: string, lints: string[], edition: string): Set<number> | undefined {
  const out = path.join(os.tmpdir(), `blindspot-clippy-${process.pid}.rmeta`);
  const args = ['--edition', edition, '--crate-type', 'lib', '--emit=metadata', '-o', out, '--error-format=json', ...lints.flatMap((l) => ['-W', `clippy::${l}`]), file];
  const r = spawnSync('clippy-driver', args, { encoding: 'utf8' });
  if (r.error) return undefined;
  const lines = new Set<number>();
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const d = JSON.parse(line) as { code?: { code: string }; spans: { line_start: number; is_primary: boolean }[] };
    if (d.code && lints.some((l) => d.code!.code === `clippy::${l}`)) lines.add(d.spans.find((s) => s.is_primary)!.line_start);
  }
  return lines;
}

function fixtureFiles(ruleId: string): string[] {
  const dir = path.join(__dirname, '..', 'test', 'fixtures', ruleId);
  if (!fs.existsSync(dir)) return [];
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.rs')).map((f) => path.join(dir, f));
  // Files of Blindspot-only suppressions (`// blindspot: allow`) say nothing about detection.
  return files.filter((f) => !/suppressed/.test(path.basename(f)) && headers(fs.readFileSync(f, 'utf8')).needs.length === 0);
}

/** The name of the fn item enclosing each 1-based line. */
function functionAt(text: string): (line: number) => string {
  const lines = text.split('\n');
  return (line) => {
    for (let i = line - 1; i >= 0; i--) {
      const m = /^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?fn\s+(\w+)/.exec(lines[i]);
      if (m) return m[1];
    }
    return '<top>';
  };
}

export interface Difference {
  side: 'clippy only' | 'blindspot only';
  file: string;
  fn: string;
  line: number;
  text: string;
}

/** Runs both tools; undefined when clippy-driver is missing. */
export async function compare(pairSpecs: string[] = DEFAULT_PAIRS): Promise<{ agree: number; differences: Difference[] } | undefined> {
  await initParser();
  const pairs = pairSpecs.map((p) => p.split('=') as [string, string]);
  let agree = 0;
  const differences: Difference[] = [];
  for (const [ruleId, lintList] of pairs) {
    const lints = lintList.split(',');
    const engine = new Engine(rules.filter((r) => r.id === ruleId));
    for (const file of fixtureFiles(ruleId)) {
      const text = fs.readFileSync(file, 'utf8');
      const clippy = clippyLines(file, lints, headers(text).edition);
      if (!clippy) return undefined;
      const ourLines = engine.checkText(file, text, crateFor(text)).findings.map((f) => text.slice(0, f.range.start).split('\n').length);
      const fnOf = functionAt(text);
      const theirs = new Map([...clippy].map((l) => [fnOf(l), l]));
      const ours = new Map(ourLines.map((l) => [fnOf(l), l]));
      const rel = path.relative(path.join(__dirname, '..'), file);
      const lines = text.split('\n');
      for (const fn of new Set([...theirs.keys(), ...ours.keys()])) {
        if (theirs.has(fn) && ours.has(fn)) agree++;
        else {
          const line = (theirs.get(fn) ?? ours.get(fn))!;
          differences.push({ side: theirs.has(fn) ? 'clippy only' : 'blindspot only', file: rel, fn, line, text: lines[line - 1].trim() });
        }
      }
    }
  }
  return { agree, differences };
}

async function main() {
  const result = await compare(process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_PAIRS);
  if (!result) {
    console.log('clippy-driver is not installed: nothing to compare');
    return;
  }
  for (const d of result.differences) console.log(`${d.side.padEnd(14)} ${d.file}:${d.line} fn ${d.fn}: ${d.text}`);
  console.log(`\n${result.agree} functions flagged by both, ${result.differences.length} differences`);
}

if (require.main === module) main();
