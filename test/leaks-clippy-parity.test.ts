// The leak rules against clippy on their std-only fixtures (scripts/compare-clippy-leaks.ts): everything clippy's
// mem_forget / undocumented_unsafe_blocks / missing_safety_doc flag is flagged, except the documented differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { compareFiles } from '../scripts/compare-clippy-leaks';

const hasClippy = !spawnSync('clippy-driver', ['--version']).error;

/** Deliberate differences, documented in the rules' docs. */
const DOCUMENTED = [
  // `// blindspot: allow(mem-forget)` silences Blindspot only.
  'test/fixtures/mem-forget/clean.rs mem-forget /* blindspot: allow */',
  // A same-line `/* SAFETY: */ unsafe {}` is accepted (clippy 1.95 wants the preceding line).
  'test/fixtures/unsafe-without-safety-comment/clean.rs unsafe-without-safety-comment /* inline */',
];

test('leak rules agree with clippy on the fixtures except for the documented differences', { skip: hasClippy ? false : 'clippy-driver is not installed' }, async () => {
  const result = await compareFiles();
  assert.ok(typeof result !== 'string', String(result));
  if (typeof result === 'string') return;
  const ours = result.differences.filter((d) => d.side === 'blindspot');
  assert.deepEqual(ours, [], 'Blindspot flags these and clippy does not');
  const theirs = result.differences.filter((d) => d.side === 'clippy').map((d) => `${d.file} ${d.rule}`);
  assert.deepEqual(theirs.sort(), DOCUMENTED.map((d) => d.replace(/ \/\*.*\*\/$/, '')).sort());
  assert.ok(result.agree >= 20, `only ${result.agree} findings flagged by both`);
});
