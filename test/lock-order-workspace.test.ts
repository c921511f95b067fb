// lock-order across files stays current: editing one file (or removing it) updates the findings of the other.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initParser } from '../server/src/engine/parser';
import { Engine } from '../server/src/engine/analyze';
import { rules } from '../server/src/rules';

before(async () => {
  await initParser();
});

const STORE = `use std::sync::Mutex;
pub struct Store { pub index: Mutex<u32>, pub data: Mutex<u32> }
impl Store {
    pub fn insert(&self) {
        let _i = self.index.lock().unwrap();
        let _d = self.data.lock().unwrap();
    }
}
`;
const compactor = (first: string, second: string) => `use crate::store::Store;
pub fn compact(store: &Store) {
    let _a = store.${first}.lock().unwrap();
    let _b = store.${second}.lock().unwrap();
}
`;

function lockOrderFindings(doc: { analyze(): { findings: { ruleId: string }[] } }) {
  return doc.analyze().findings.filter((f) => f.ruleId === 'lock-order');
}

test('lock-order: an edit in one open file clears and restores the finding in the other', () => {
  const engine = new Engine(rules.filter((r) => r.id === 'lock-order'));
  const store = engine.openDocument('/ws/src/store.rs', STORE);
  const comp = engine.openDocument('/ws/src/compactor.rs', compactor('data', 'index'));
  try {
    lockOrderFindings(store);
    assert.equal(lockOrderFindings(comp).length, 1);
    const inStore = lockOrderFindings(store);
    assert.equal(inStore.length, 1);
    // Same order in both files: no inversion anywhere.
    comp.setText(compactor('index', 'data'));
    assert.equal(lockOrderFindings(comp).length, 0);
    assert.equal(lockOrderFindings(store).length, 0);
    // Back to the inverted order, through an incremental edit this time.
    const text = comp.text;
    const at = text.indexOf('store.index');
    comp.applyChanges([{ start: at + 'store.'.length, end: at + 'store.index'.length, text: 'data' }]);
    const at2 = comp.text.lastIndexOf('store.data');
    comp.applyChanges([{ start: at2 + 'store.'.length, end: at2 + 'store.data'.length, text: 'index' }]);
    assert.equal(lockOrderFindings(comp).length, 1);
    assert.equal(lockOrderFindings(store).length, 1);
    // A removed file no longer contributes its lock pairs.
    engine.workspace.removeFile('/ws/src/compactor.rs');
    assert.equal(lockOrderFindings(store).length, 0);
  } finally {
    store.dispose();
    comp.dispose();
  }
});

test('lock-order: findings follow edits that only shift offsets', () => {
  const engine = new Engine(rules.filter((r) => r.id === 'lock-order'));
  const store = engine.openDocument('/ws/src/store.rs', STORE);
  const comp = engine.openDocument('/ws/src/compactor.rs', compactor('data', 'index'));
  try {
    lockOrderFindings(store);
    const before = comp.analyze().findings.find((f) => f.ruleId === 'lock-order')!;
    comp.applyChanges([{ start: 0, end: 0, text: '// moved down a line\n' }]);
    const after = comp.analyze().findings.find((f) => f.ruleId === 'lock-order')!;
    assert.equal(after.range.start, before.range.start + '// moved down a line\n'.length);
    assert.equal(comp.text.slice(after.range.start, after.range.end), 'store.index.lock()');
  } finally {
    store.dispose();
    comp.dispose();
  }
});

test('lock-order: a changed lock relation bumps workspace.version (other open files re-analyse); shifting offsets does not', () => {
  const engine = new Engine(rules.filter((r) => r.id === 'lock-order'));
  const store = engine.openDocument('/ws/src/store.rs', STORE);
  const comp = engine.openDocument('/ws/src/compactor.rs', compactor('index', 'data'));
  try {
    store.analyze();
    comp.analyze();
    const settled = engine.workspace.version;
    comp.applyChanges([{ start: 0, end: 0, text: '// a comment\n' }]);
    comp.analyze();
    assert.equal(engine.workspace.version, settled, 'offset-only edits keep per-function caches');
    comp.setText(compactor('data', 'index'));
    comp.analyze();
    assert.ok(engine.workspace.version > settled, 'a new inversion must reach the other open documents');
  } finally {
    store.dispose();
    comp.dispose();
  }
});

test('lock-order: a const of a file shadows a static of the same name in another (a const is a fresh lock at every use)', () => {
  const constants = `use std::sync::Mutex;
const L1: Mutex<()> = Mutex::new(());
const L2: Mutex<()> = Mutex::new(());
pub fn first() {
    let _g1 = L1.lock().unwrap();
    let _g2 = L2.lock().unwrap();
}
`;
  const statics = `use std::sync::Mutex;
pub static L1: Mutex<()> = Mutex::new(());
pub static L2: Mutex<()> = Mutex::new(());
pub fn second() {
    let _g2 = L2.lock().unwrap();
    let _g1 = L1.lock().unwrap();
}
`;
  const engine = new Engine(rules.filter((r) => r.id === 'lock-order'));
  engine.indexText('/ws/src/a.rs', constants);
  engine.indexText('/ws/src/b.rs', statics);
  assert.deepEqual(engine.checkText('/ws/src/a.rs', constants).findings, []);
  assert.deepEqual(engine.checkText('/ws/src/b.rs', statics).findings, []);
});
