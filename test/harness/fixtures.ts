// Fixture files carry their expectations inline, rust-analyzer style:
//
//     let guard = state.lock().unwrap();
//               //^^^^^^^^^^^^^^^^^^^^^^ 💡 warn: lock-across-await
//
// The carets sit under the flagged text of the nearest code line above (a line that is not itself
// an expectation). `💡` says the finding offers at least one fix. Severity is one of error, warn,
// info, hint. Headers on the first lines: `// edition: 2024`, `// needs: tokio` (not std-only, so
// not compiled; also tells the engine the crate depends on tokio), `// fix: TITLE` (fix tests).
import * as fs from 'fs';
import * as path from 'path';
import { LineIndex } from '../../server/src/engine/text';
import type { CrateInfo, Edition } from '../../server/src/engine/crate';
import type { Finding } from '../../server/src/engine/rule';

export interface Expectation {
  path: string;
  line: number;
  startCol: number;
  endCol: number;
  severity: string;
  ruleId: string;
  hasFix: boolean;
}

const EXPECT = /^(\s*)\/\/(\s*)(\^+)\s*(💡\s*)?(error|warn|info|hint):\s*([a-z0-9-]+)\s*$/u;
const SEVERITY: Record<string, string> = { error: 'error', warn: 'warning', info: 'info', hint: 'hint' };

export function parseExpectations(filePath: string, text: string): Expectation[] {
  const lines = text.split(/\r?\n/);
  const out: Expectation[] = [];
  let codeLine = -1;
  lines.forEach((line, i) => {
    const m = EXPECT.exec(line);
    if (!m) {
      codeLine = i;
      return;
    }
    const startCol = m[1].length + 2 + m[2].length;
    out.push({ path: filePath, line: codeLine, startCol, endCol: startCol + m[3].length, severity: SEVERITY[m[5]], ruleId: m[6], hasFix: !!m[4] });
  });
  return out;
}

export function headers(text: string): { edition: Edition; needs: string[]; fix?: string } {
  const head = text.split('\n').slice(0, 8).join('\n');
  const edition = (/\/\/\s*edition:\s*(\d{4})/.exec(head)?.[1] ?? '2021') as Edition;
  const needs = (/\/\/\s*needs:\s*([\w, -]+)/.exec(head)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const fix = /\/\/\s*fix:\s*(.+)/.exec(head)?.[1]?.trim();
  return { edition, needs, fix };
}

export function crateFor(text: string): CrateInfo {
  const h = headers(text);
  return { edition: h.edition, dependencies: new Set(h.needs.map((n) => n.replace(/-/g, '_'))) };
}

/** A finding in the same shape as an expectation; multi-line ranges are cut at the end of their first line. */
export function asExpectation(f: Finding, text: string): Expectation {
  const lines = new LineIndex(text);
  const start = lines.positionAt(f.range.start);
  const end = lines.positionAt(f.range.end);
  const endCol = end.line === start.line ? end.character : lines.lineEnd(start.line) - lines.lineStart(start.line);
  return { path: f.path, line: start.line, startCol: start.character, endCol, severity: f.severity, ruleId: f.ruleId, hasFix: f.fixes.length > 0 };
}

export function describe(e: Expectation): string {
  return `${path.basename(e.path)}:${e.line + 1}:${e.startCol + 1}-${e.endCol + 1} ${e.hasFix ? '💡 ' : ''}${e.severity}: ${e.ruleId}`;
}

/** Every `.rs` file under a fixture folder; a sub-folder is one multi-file case. */
export function fixtureCases(dir: string): { name: string; files: string[] }[] {
  if (!fs.existsSync(dir)) return [];
  const cases: { name: string; files: string[] }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'fixes') {
      const files = fs.readdirSync(full).filter((f) => f.endsWith('.rs')).sort().map((f) => path.join(full, f));
      if (files.length) cases.push({ name: entry.name, files });
    } else if (entry.isFile() && entry.name.endsWith('.rs')) {
      cases.push({ name: entry.name, files: [full] });
    }
  }
  return cases;
}
