// Developer aid: prints a fixture with the current findings of RULE written as inline caret expectations
// (existing expectation lines are dropped first). Review the output before saving it: the fixture is the spec.
//   node --import tsx scripts/annotate.ts RULE FILE [--write]
import * as fs from 'fs';
import { initParser } from '../server/src/engine/parser';
import { Engine } from '../server/src/engine/analyze';
import { rules } from '../server/src/rules';
import { asExpectation, crateFor } from '../test/harness/fixtures';

const EXPECT_LINE = /^\s*\/\/\s*\^+\s*(💡\s*)?(error|warn|info|hint):/u;
const SHORT: Record<string, string> = { error: 'error', warning: 'warn', info: 'info', hint: 'hint' };

async function main() {
  const [ruleId, file, flag] = process.argv.slice(2);
  await initParser();
  const source = fs.readFileSync(file, 'utf8').split('\n').filter((l) => !EXPECT_LINE.test(l)).join('\n');
  const engine = new Engine(rules.filter((r) => r.id === ruleId));
  const findings = engine.checkText(file, source, crateFor(source)).findings;
  const lines = source.split('\n');
  const byLine = new Map<number, string[]>();
  for (const f of findings) {
    const e = asExpectation(f, source);
    const width = Math.max(1, e.endCol - e.startCol);
    const pad = e.startCol >= 2 ? ' '.repeat(e.startCol - 2) + '//' : '//' + ' '.repeat(Math.max(0, e.startCol - 2));
    const caretLine = `${pad}${'^'.repeat(width)} ${e.hasFix ? '💡 ' : ''}${SHORT[e.severity]}: ${e.ruleId}`;
    byLine.set(e.line, [...(byLine.get(e.line) ?? []), caretLine]);
  }
  const out = lines.flatMap((l, i) => [l, ...(byLine.get(i) ?? [])]).join('\n');
  if (flag === '--write') fs.writeFileSync(file, out);
  else process.stdout.write(out);
}

main();
