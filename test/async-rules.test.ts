// Behaviour of the async rules beyond what inline fixture expectations show: which fixes are offered for which
// crate, what a fix selects, and where related information points.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initParser } from '../server/src/engine/parser';
import { Engine } from '../server/src/engine/analyze';
import { applyFixes } from '../server/src/engine/fixer';
import { rules } from '../server/src/rules';
import type { CrateInfo } from '../server/src/engine/crate';
import type { Finding } from '../server/src/engine/rule';

before(async () => {
  await initParser();
});

const crate = (...deps: string[]): CrateInfo => ({ edition: '2021', dependencies: new Set(deps) });

function check(ruleId: string, text: string, info: CrateInfo = crate()): Finding[] {
  const engine = new Engine(rules.filter((r) => r.id === ruleId));
  return engine.checkText('/virtual/src/lib.rs', text, info).findings;
}

const SLEEPY = 'use std::time::Duration;\npub async fn f() {\n    std::thread::sleep(Duration::from_millis(1));\n}\n';

test('blocking-in-async: tokio fixes only for a crate that uses tokio, and the notes say why not', () => {
  const [plain] = check('blocking-in-async', SLEEPY);
  assert.equal(plain.fixes.length, 0);
  assert.ok(plain.notes.some((n) => /does not use tokio/.test(n)), plain.notes.join('\n'));
  const [viaManifest] = check('blocking-in-async', SLEEPY, crate('tokio'));
  assert.deepEqual(viaManifest.fixes.map((f) => f.title), ['Use tokio::time::sleep(..).await']);
  assert.equal(viaManifest.fixes[0].safe, true);
  const [viaImport] = check('blocking-in-async', `use tokio::sync::Mutex;\n${SLEEPY}`);
  assert.equal(viaImport.fixes.length, 1);
});

test('blocking-in-async: with a second runtime in the crate, tokio rewrites are not applied unattended', () => {
  const [f] = check('blocking-in-async', SLEEPY, crate('tokio', 'async_std'));
  assert.equal(f.fixes.length, 1);
  assert.equal(f.fixes[0].safe, false);
});

test('blocking-in-async: inside an iterator closure it is flagged, but `.await` cannot be inserted there', () => {
  const text = 'pub async fn f(ps: Vec<String>) -> usize {\n    ps.iter().map(|p| std::fs::read(p).map(|b| b.len()).unwrap_or(0)).sum()\n}\n';
  const [f] = check('blocking-in-async', text, crate('tokio'));
  assert.equal(f.fixes.length, 0);
  assert.ok(f.notes.some((n) => /calls right away/.test(n)));
});

test('unbounded-channel: the fix selects the capacity placeholder it wrote', () => {
  const text = 'pub fn f() {\n    let (_tx, _rx) = std::sync::mpsc::channel::<u8>();\n}\n';
  const [f] = check('unbounded-channel', text);
  const fix = f.fixes[0];
  const out = applyFixes(new Map([['/virtual/src/lib.rs', text]]), [fix]).texts.get('/virtual/src/lib.rs')!;
  assert.match(out, /std::sync::mpsc::sync_channel::<u8>\(64\)/);
  assert.equal(out.slice(fix.select!.start, fix.select!.end), '64');
  assert.equal(f.severity, 'hint');
});

test('double-lock: the finding is on the second acquisition, related information on the first', () => {
  const text = 'use std::sync::Mutex;\npub fn f(m: &Mutex<u8>) {\n    let a = m.lock().unwrap();\n    let b = m.lock().unwrap();\n    let _ = (*a, *b);\n}\n';
  const [f] = check('double-lock', text);
  const first = text.indexOf('m.lock()');
  const second = text.indexOf('m.lock()', first + 1);
  assert.equal(f.range.start, second);
  assert.equal(f.related[0].range.start, first);
});

test('lock-order: each inner acquisition links the other one', () => {
  const text = [
    'use std::sync::Mutex;',
    'pub struct S { a: Mutex<u8>, b: Mutex<u8> }',
    'impl S {',
    '    pub fn ab(&self) { let _a = self.a.lock().unwrap(); let _b = self.b.lock().unwrap(); }',
    '    pub fn ba(&self) { let _b = self.b.lock().unwrap(); let _a = self.a.lock().unwrap(); }',
    '}',
    '',
  ].join('\n');
  const findings = check('lock-order', text);
  assert.equal(findings.length, 2);
  const [x, y] = findings;
  assert.equal(x.related[0].range.start, y.range.start);
  assert.equal(y.related[0].range.start, x.range.start);
});
