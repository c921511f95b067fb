// Typing in one function body parses that function alone (with the headers, attributes and comments around it) and
// leaves the whole-file parse to settle(): what rules read outside the function must come through, positions must
// be the whole file's, and a function that the whole file parses differently must be analysed again.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../server/src/engine/analyze';
import { Edit, initParser, parse, type Node } from '../server/src/engine/parser';
import { parseEditedFunction } from '../server/src/engine/function-parse';
import { LineIndex } from '../server/src/engine/text';
import type { CrateInfo } from '../server/src/engine/crate';
import type { Finding } from '../server/src/engine/rule';
import { fileUri, LspClient, tempDir } from './harness/lsp-client';
import * as fs from 'fs';
import * as path from 'path';

const CRATE: CrateInfo = { edition: '2021', dependencies: new Set(['tokio']) };
const PATH = '/ws/src/lib.rs';
/** Where each case is typed at: a marker comment inside the function under test. */
const MARK = '/*here*/';

before(async () => {
  await initParser();
});

const ids = (findings: Finding[]) => findings.map((f) => `${f.ruleId}@${f.range.start}`);

/** Types `typed` at MARK and analyses: the function must be parsed alone, and the findings equal a fresh analysis. */
function typeAtMark(text: string, typed = 'x;'): { alone: Finding[]; fresh: Finding[] } {
  const doc = new Engine().openDocument(PATH, text, CRATE);
  try {
    doc.analyze();
    const at = text.indexOf(MARK);
    doc.applyChanges([{ start: at, end: at, text: typed }]);
    const alone = doc.analyze().findings;
    assert.equal(doc.lastParse, 'function', 'the edited function was parsed alone');
    assert.equal(doc.settle(), false, 'the whole-file parse reads the function the same way');
    const edited = text.slice(0, at) + typed + text.slice(at);
    return { alone, fresh: new Engine().checkText(PATH, edited, CRATE).findings };
  } finally {
    doc.dispose();
  }
}

const HOLDS_LOCK = `    async fn tick(&self) {\n        let g = self.state.lock().unwrap();\n        ${MARK}\n        other().await;\n        drop(g);\n    }\n`;
const STRUCT = 'use std::sync::Mutex;\nstruct S {\n    state: Mutex<u32>,\n}\nasync fn other() {}\n';

const cases: { name: string; text: string; typed?: string; expected: string[] }[] = [
  {
    name: 'an allow attribute on a statement the edit added',
    text: `${STRUCT}impl S {\n${HOLDS_LOCK}}\n`,
    typed: 'drop(g);\n        #[allow(clippy::await_holding_lock)]\n        let g = self.state.lock().unwrap();\n',
    expected: [],
  },
  { name: 'Self from the impl header', text: `${STRUCT}impl S {\n${HOLDS_LOCK}}\n`, expected: ['lock-across-await'] },
  { name: "the file's #![allow(clippy::…)]", text: `#![allow(clippy::await_holding_lock)]\n${STRUCT}impl S {\n${HOLDS_LOCK}}\n`, expected: [] },
  { name: "a module's #![allow(clippy::…)]", text: `mod m {\n    #![allow(clippy::await_holding_lock)]\n    ${STRUCT}    impl S {\n${HOLDS_LOCK}    }\n}\n`, expected: [] },
  { name: 'an allow attribute on the impl', text: `${STRUCT}#[allow(clippy::await_holding_lock)]\nimpl S {\n${HOLDS_LOCK}}\n`, expected: [] },
  { name: 'an allow comment before the function', text: `${STRUCT}impl S {\n    fn first(&self) {}\n    // blindspot: allow(lock-across-await)\n${HOLDS_LOCK}}\n`, expected: [] },
  {
    name: '#[cfg(test)] on the enclosing module',
    text: `#[cfg(test)]\nmod tests {\n    async fn slow() {\n        ${MARK}\n        std::thread::sleep(std::time::Duration::from_millis(1));\n        async {}.await;\n    }\n}\n`,
    expected: [],
  },
  {
    name: 'the same function outside test code',
    text: `mod tests {\n    async fn slow() {\n        ${MARK}\n        std::thread::sleep(std::time::Duration::from_millis(1));\n        async {}.await;\n    }\n}\n`,
    expected: ['blocking-in-async'],
  },
  {
    name: 'a trait default method after other items',
    text: `${STRUCT}trait T {\n    fn state(&self) -> &Mutex<u32>;\n    async fn tick(&self) {\n        let g = self.state().lock().unwrap();\n        ${MARK}\n        other().await;\n        drop(g);\n    }\n}\n`,
    expected: ['lock-across-await'],
  },
];

for (const { name, text, typed, expected } of cases) {
  test(`a function parsed alone reads ${name}`, () => {
    const { alone, fresh } = typeAtMark(text, typed);
    assert.deepEqual(ids(alone), ids(fresh));
    assert.deepEqual(alone.map((f) => f.ruleId), expected);
  });
}

/** Every node of `a` and `b` at the same offsets and the same rows and UTF-16 columns. */
function samePositions(a: Node, b: Node): void {
  assert.equal(a.type, b.type);
  assert.deepEqual([a.startIndex, a.endIndex, a.startPosition, a.endPosition], [b.startIndex, b.endIndex, b.startPosition, b.endPosition], a.type);
  assert.equal(a.childCount, b.childCount);
  for (let i = 0; i < a.childCount; i++) samePositions(a.child(i)!, b.child(i)!);
}

test('a function parsed alone has the whole file’s offsets, rows and UTF-16 columns (emoji, CJK, CRLF before and in it)', () => {
  const text = '// 🦀 日本語 é\r\nmod m {\r\n    //! 📦\r\n    impl S {\r\n        fn f(&self) {\r\n            let s = "🦀 日本"; /*here*/ let t = s;\r\n        }\r\n    }\r\n}\r\n';
  const at = text.indexOf(MARK);
  const edited = text.slice(0, at) + 'x;' + text.slice(at);
  const tree = parse(text)!;
  const whole = parse(edited)!;
  const oldLines = new LineIndex(text);
  const lines = new LineIndex(edited);
  const point = (l: LineIndex, offset: number) => ({ row: l.positionAt(offset).line, column: l.positionAt(offset).character });
  tree.edit(new Edit({ startIndex: at, oldEndIndex: at, newEndIndex: at + 2, startPosition: point(oldLines, at), oldEndPosition: point(oldLines, at), newEndPosition: point(lines, at + 2) }));
  const parsed = parseEditedFunction(tree, edited, lines, { start: at, end: at + 2, delta: 2 });
  try {
    assert.ok(parsed, 'the function was parsed alone');
    const fn = whole.rootNode.descendantForIndex(at, at + 2);
    let wholeFn: Node | null = fn;
    while (wholeFn && wholeFn.type !== 'function_item') wholeFn = wholeFn.parent;
    samePositions(parsed.target.fn, wholeFn!);
    assert.equal(parsed.target.impl?.type, 'impl_item');
  } finally {
    parsed?.tree.delete();
    tree.delete();
    whole.delete();
  }
});

/** A quote typed before a method's closing brace: alone, the function keeps its extent; in the whole file the string runs on. */
const RUNAWAY = 'struct Cache {\n    entries: Vec<String>,\n}\n\nimpl Cache {\n    fn remove(&mut self, key: &str) {\n        self.entries.retain(|e| e != key);\n    }\n}\n\npub fn leak(v: Vec<u8>) {\n    std::mem::forget(v);\n}\n\npub fn name() -> &\'static str {\n    "cache"\n}\n';
const RUNAWAY_AT = RUNAWAY.indexOf('    }\n}') + 4;

test('settle() analyses again when the whole file parses the edited function differently', () => {
  const doc = new Engine().openDocument(PATH, RUNAWAY, CRATE);
  try {
    assert.deepEqual(doc.analyze().findings.map((f) => f.ruleId), ['mem-forget']);
    doc.applyChanges([{ start: RUNAWAY_AT, end: RUNAWAY_AT, text: '"' }]);
    doc.analyze();
    assert.equal(doc.lastParse, 'function');
    assert.equal(doc.settle(), true, 'the two parses differ');
    const edited = RUNAWAY.slice(0, RUNAWAY_AT) + '"' + RUNAWAY.slice(RUNAWAY_AT);
    assert.deepEqual(ids(doc.analyze().findings), ids(new Engine().checkText(PATH, edited, CRATE).findings));
    assert.equal(doc.settle(), false, 'settled: nothing is put off');
  } finally {
    doc.dispose();
  }
});

test('an edit in another function first parses the whole file (the tree is stale in one function at most)', () => {
  const text = `${STRUCT}impl S {\n${HOLDS_LOCK}}\nfn later() {\n    /*there*/\n}\n`;
  const doc = new Engine().openDocument(PATH, text, CRATE);
  try {
    doc.analyze();
    const at = text.indexOf(MARK);
    doc.applyChanges([{ start: at, end: at, text: 'x;' }]);
    doc.analyze();
    assert.equal(doc.lastParse, 'function');
    let edited = text.slice(0, at) + 'x;' + text.slice(at);
    const there = edited.indexOf('/*there*/');
    doc.applyChanges([{ start: there, end: there, text: 'y;' }]);
    edited = edited.slice(0, there) + 'y;' + edited.slice(there);
    assert.deepEqual(ids(doc.analyze().findings), ids(new Engine().checkText(PATH, edited, CRATE).findings));
    assert.equal(doc.lastParse, 'function', 'the second function is parsed alone in turn');
  } finally {
    doc.dispose();
  }
});

test('the server publishes again when settling shows the edited function reads differently', async () => {
  const root = tempDir();
  const file = path.join(root, 'lib.rs');
  fs.writeFileSync(file, RUNAWAY);
  const uri = fileUri(file);
  const client = await LspClient.start({ root, settings: { debounceMs: 0 } });
  try {
    await client.open(uri, RUNAWAY, 1);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'mem-forget'), 1);
    const lines = new LineIndex(RUNAWAY);
    const at = lines.positionAt(RUNAWAY_AT);
    await client.change(uri, 2, [{ range: { start: at, end: at }, text: '"' }]);
    // First from the function parsed alone (the forget still there), then from the whole file (gone in a string).
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.every((d) => d.code !== 'mem-forget'), 2);
  } finally {
    await client.stop();
  }
});

/** Types `typed` at MARK `times` times, comparing every analysis (before settling) and settling after each. */
function typeRepeatedly(text: string, typed: string, times: number): void {
  const doc = new Engine().openDocument(PATH, text, CRATE);
  try {
    doc.analyze();
    for (let i = 0; i < times; i++) {
      const at = text.indexOf(MARK);
      doc.applyChanges([{ start: at, end: at, text: typed }]);
      text = text.slice(0, at) + typed + text.slice(at);
      const findings = doc.analyze().findings;
      assert.deepEqual(ids(findings), ids(new Engine().checkText(PATH, text, CRATE).findings), `keystroke ${i}`);
      assert.equal(doc.settle(), false);
    }
  } finally {
    doc.dispose();
  }
}

test('a later function re-checked while typing reads its own nodes, not an analysis cached before the edit moved them', () => {
  // Its lock-across-await fix edits the struct (outside the function): it is re-checked on every keystroke elsewhere.
  typeRepeatedly(`${STRUCT}fn plain() {\n    let x = 1;\n    ${MARK}\n}\nimpl S {\n${HOLDS_LOCK.replace(MARK, '')}}\n`, 'y;', 3);
});

test('a file whose top level parses as an error is not read through a function parsed alone (its clean root would differ)', () => {
  const text = `#![allow(clippy::await_holding_lock)]\n${STRUCT}impl S {\n    pub async fn tick(&self) {'a'\n        ${MARK}\n        other().await;\n    }\npub async fn more(m: Arc<Mutex<u8>>) {\n`;
  const tree = parse(text)!;
  assert.equal(tree.rootNode.type, 'ERROR');
  tree.delete();
  typeRepeatedly(text, 'let g = self.state.lock().unwrap();', 1);
});

test('currentTree() is the whole file’s parse, also right after an edit parsed one function alone', () => {
  const text = `fn a() {\n    ${MARK}\n    let x = 1;\n}\nfn b() {\n    let y = 2;\n}\n`;
  const doc = new Engine().openDocument(PATH, text, CRATE);
  try {
    doc.analyze();
    const at = text.indexOf(MARK);
    doc.applyChanges([{ start: at, end: at, text: 'if true { loop {} }' }]);
    const edited = text.slice(0, at) + 'if true { loop {} }' + text.slice(at);
    const fresh = parse(edited)!;
    assert.equal(doc.currentTree()!.rootNode.toString(), fresh.rootNode.toString());
    fresh.delete();
  } finally {
    doc.dispose();
  }
});

test('a burst of edits in the function parsed alone and then in another function is analysed as a whole', () => {
  let text = `fn first(v: Vec<u8>) {\n    ${MARK}\n}\nfn later() {\n    /*there*/\n}\n`;
  const doc = new Engine().openDocument(PATH, text, CRATE);
  const type = (marker: string, typed: string) => {
    const at = text.indexOf(marker);
    doc.applyChanges([{ start: at, end: at, text: typed }]);
    text = text.slice(0, at) + typed + text.slice(at);
  };
  try {
    doc.analyze();
    type(MARK, 'x;');
    doc.analyze();
    assert.equal(doc.lastParse, 'function');
    // Before the next analysis: one more edit in that function (its parse still waits), then one elsewhere.
    type(MARK, 'std::mem::forget(v);');
    type('/*there*/', 'y;');
    assert.deepEqual(ids(doc.analyze().findings), ids(new Engine().checkText(PATH, text, CRATE).findings));
    assert.equal(doc.analyze().findings.length, 1);
  } finally {
    doc.dispose();
  }
});
