// Side by side: Blindspot's mem-forget / unsafe-without-safety-comment vs clippy's mem_forget / undocumented_unsafe_blocks
// (+ missing_safety_doc, which the unsafe rule also covers for `pub unsafe fn`)
// on the std-only fixtures of the leak rules. Prints every line where the two disagree, then a summary.
//   node --import tsx scripts/compare-clippy-leaks.ts [FILE.rs …]
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

function clippyHits(file: string, edition: string, outDir: string): Hit[] | string {
  const args = ['--edition', edition, '--crate-type', 'lib', '--emit=metadata', '--error-format=json', '--out-dir', outDir, '--crate-name', 'compare'];
  for (const lint of LINTS) args.push('-W', lint);
  const r = spawnSync('clippy-driver', [...args, file], { encoding: 'utf8' });
  if (r.error) return `clippy-driver not runnable: ${r.error.message}`;
  const hits: Hit[] = [];
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const d = JSON.parse(line) as { code?: { code: string } | null; spans: { is_primary: boolean; line_start: number }[] };
    const lint = d.code?.code;
    if (!lint || !LINTS.includes(lint)) continue;
    // A lint pair is one Blindspot rule: compare by rule.
    const rule = Object.keys(PAIRS).find((id) => PAIRS[id].includes(lint))!;
    const span = d.spans.find((s) => s.is_primary);
    if (span) hits.push({ line: span.line_start, tool: 'clippy', lint: rule });
  }
  return hits;
}

function blindspotHits(engine: Engine, file: string, text: string): Hit[] {
  const result = engine.checkText(file, text, crateFor(text));
  return result.findings
    .filter((f) => PAIRS[f.ruleId])
    .map((f) => ({ line: text.slice(0, f.range.start).split('\n').length, tool: 'blindspot' as const, lint: f.ruleId }));
}

async function main(): Promise<void> {
  await initParser();
  const engine = new Engine(rules.filter((r) => PAIRS[r.id]));
  const files = process.argv.slice(2).length ? process.argv.slice(2) : defaultFiles();
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-clippy-'));
  const totals = { both: 0, clippyOnly: 0, blindspotOnly: 0 };
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const clippy = clippyHits(file, headers(text).edition, outDir);
    if (typeof clippy === 'string') {
      console.error(clippy);
      process.exitCode = 2;
      return;
    }
    const ours = blindspotHits(engine, file, text);
    const key = (h: Hit) => `${h.lint}:${h.line}`;
    const clippyKeys = new Set(clippy.map(key));
    const ourKeys = new Set(ours.map(key));
    const source = text.split('\n');
    for (const k of new Set([...clippyKeys, ...ourKeys])) {
      const [lint, line] = [k.slice(0, k.lastIndexOf(':')), Number(k.slice(k.lastIndexOf(':') + 1))];
      if (clippyKeys.has(k) && ourKeys.has(k)) {
        totals.both++;
        continue;
      }
      const who = clippyKeys.has(k) ? 'only clippy   ' : 'only blindspot';
      if (clippyKeys.has(k)) totals.clippyOnly++;
      else totals.blindspotOnly++;
      console.log(`${who}  ${path.relative(process.cwd(), file)}:${line}  ${lint}  | ${source[line - 1]?.trim()}`);
    }
  }
  console.log(`\n${files.length} files: ${totals.both} findings agree, ${totals.clippyOnly} only clippy, ${totals.blindspotOnly} only blindspot`);
}

void main();
