// The bounded fuzz run (`npm run fuzz` is the long one): generated and mutated inputs, and every saved
// regression input, through the decoder, checkText, an open document with edits, positions and fixes.
// Nothing may throw; every input ends with findings or a skip reason. The time bound below only catches
// hangs (minutes), it is not a speed test.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { initParser } from '../server/src/engine/parser';
import { deepNesting, generatedInputs, hugeFile, longLine, makeRandom, mutatedInputs, type FuzzInput } from '../scripts/fuzz/inputs';
import { loadRegressions, makeFuzzEngine, runCase, type CaseOutcome } from '../scripts/fuzz/run';
import { projectSources } from '../scripts/fuzz/sources';

const HANG_BOUND_MS = 60_000;
const SEED = 20261122;

before(async () => {
  await initParser();
});

function runAll(inputs: FuzzInput[], settings: { parseTimeoutMs?: number } = {}): CaseOutcome[] {
  const { engine, ruleErrors } = makeFuzzEngine();
  engine.updateSettings(settings);
  return inputs.map((input, i) => runCase(engine, ruleErrors, input, SEED + i));
}

function assertHandled(outcomes: CaseOutcome[]): void {
  const crashes = outcomes.filter((o) => o.crash).map((o) => `${o.name}: ${o.crash}`);
  assert.deepEqual(crashes, [], `crashes:\n${crashes.join('\n\n')}`);
  for (const o of outcomes) {
    if (o.skipped !== undefined) assert.ok(o.skipped.length > 0, `${o.name}: skipped without a reason`);
    assert.ok(o.ms < HANG_BOUND_MS, `${o.name} took ${Math.round(o.ms)} ms`);
  }
}

test('10,000-deep nesting of every shape: no stack overflow, no hang', () => {
  assertHandled(runAll(deepNesting()));
});

test('generated inputs: random bytes, invalid UTF-8, BOM, NUL, lone surrogates, non-ASCII names, long lines', () => {
  const outcomes = runAll(generatedInputs(makeRandom(SEED), 0.1).filter((i) => !i.name.startsWith('deep-')));
  assertHandled(outcomes);
  const byName = new Map(outcomes.map((o) => [o.name, o]));
  assert.match(byName.get('random-bytes')!.skipped ?? '', /binary/);
  assert.match(byName.get('random-bytes-no-nul')!.skipped ?? '', /UTF-8/);
  assert.match(byName.get('huge-50MB')!.skipped ?? '', /size limit/);
  assert.equal(byName.get('only-bom')!.skipped, undefined);
  assert.ok(byName.get('non-ascii-identifiers')!.findings > 0, 'rules still fire on lines with non-ASCII names');
});

test('a 1 MB line and a 50 MB file end within the parse timeout or the size cap, with a reason', () => {
  const outcomes = runAll([...longLine(1_000_000).filter((i) => i.name === 'long-line-chain'), hugeFile(50_000_000, 'fn f() {}\n')], { parseTimeoutMs: 300 });
  assertHandled(outcomes);
  assert.match(outcomes[0].skipped ?? '', /parsing took longer than 300 ms/);
  assert.match(outcomes[1].skipped ?? '', /size limit/);
});

test('truncated, spliced, mutated, CRLF, BOM and invalid UTF-8 variants of real fixtures', () => {
  const sources = projectSources();
  assert.ok(sources.length > 0, 'fixtures to mutate');
  assertHandled(runAll(mutatedInputs(makeRandom(SEED), sources, 120)));
});

test('saved regression inputs (test/fixtures-fuzz)', () => {
  const regressions = loadRegressions(path.join(__dirname, 'fixtures-fuzz'));
  assertHandled(runAll(regressions));
});
