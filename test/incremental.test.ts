// The typing fast path (an edit inside one function body re-analyses that function and moves the rest) must give
// exactly what a fresh analysis of the same text gives. Every rule's fixtures, joined into one large file, are
// edited at random places inside function bodies with the kinds of text that change findings (locks, awaits,
// spawns, drops, field stores, braces, quotes, comment openers), and each result is compared with a new engine's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Engine, type EngineDocument } from '../server/src/engine/analyze';
import { initParser, parse, type Tree } from '../server/src/engine/parser';
import { functionContext, functionItems } from '../server/src/engine/syntax';
import type { CrateInfo } from '../server/src/engine/crate';
import type { Finding } from '../server/src/engine/rule';
import { makeRandom, randomInt } from '../scripts/fuzz/inputs';
import { equalWhenMoved, mapOffsets, OffsetShift } from '../server/src/engine/incremental';
import { movedSites, type FieldSite, type FieldSites } from '../server/src/engine/resolve/field-sites';

const FIXTURES = path.join(__dirname, 'fixtures');
const CRATE: CrateInfo = { edition: '2021', dependencies: new Set(['tokio', 'parking_lot', 'futures', 'dashmap', 'spin', 'async_std', 'crossbeam_channel', 'flume']) };
const SNIPPETS = [
  'x', ' ', '\n', ';', '}', '{', '"', '/*', '//', '(', 'let g = self.state.lock().unwrap();\n', 'sleep(d).await;\n', 'drop(g);\n',
  'tokio::spawn(async move { loop { tick().await; } });\n', 'std::thread::sleep(d);\n', 'self.parent = Some(rc.clone());\n',
  'std::mem::forget(v);\n', 'unsafe { p.read() }\n', 'let _b = self.b.lock().unwrap();\n', 'break;\n', '.await',
];

const UNBALANCED = new Set(['}', '{', '"', '/*', '(']);

before(async () => {
  await initParser();
});

/** Every rule's case files, joined: a large file with many functions, locks, awaits, spawns and cycles. */
function joinedFixtures(): string {
  const parts: string[] = [];
  for (const rule of fs.readdirSync(FIXTURES).sort()) {
    const dir = path.join(FIXTURES, rule);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.endsWith('.rs') && !name.endsWith('.fixed.rs')) parts.push(`// ---- ${rule}/${name}\nmod m_${parts.length} {\n${fs.readFileSync(path.join(dir, name), 'utf8')}\n}\n`);
    }
  }
  return parts.join('\n');
}

/** Offsets strictly inside function bodies, where typing happens. */
function bodyOffsets(text: string): number[] {
  const tree = parse(text)!;
  try {
    const out: number[] = [];
    for (const { fn } of functionItems(tree.rootNode)) {
      const body = fn.childForFieldName('body');
      if (body && body.endIndex - body.startIndex > 2) out.push(body.startIndex + 1, body.endIndex - 1, (body.startIndex + body.endIndex) >> 1);
    }
    return out;
  } finally {
    tree.delete();
  }
}

const normalise = (findings: Finding[]) => findings.map(({ ruleId, severity, range, message, related, fixes, notes }) => JSON.stringify({ ruleId, severity, range, message, related, fixes, notes }));

/** Equal lists, or a message naming what only one side has (the whole lists are too long to read). */
function assertSameFindings(incremental: Finding[], expected: Finding[], what: string): void {
  const [a, b] = [normalise(incremental), normalise(expected)];
  if (a.join('\n') === b.join('\n')) return;
  const onlyA = a.filter((x) => !b.includes(x)).slice(0, 3);
  const onlyB = b.filter((x) => !a.includes(x)).slice(0, 3);
  assert.fail(`${what}\nonly incremental (${a.length}): ${onlyA.join('\n')}\nonly fresh (${b.length}): ${onlyB.join('\n')}`);
}

function fresh(text: string): Finding[] {
  return new Engine().checkText('/ws/src/lib.rs', text, CRATE).findings;
}

function sameTree(tree: Tree, text: string): boolean {
  const scratch = parse(text)!;
  try {
    return scratch.rootNode.toString() === tree.rootNode.toString();
  } finally {
    scratch.delete();
  }
}

/** An engine that counts how many analyses took the fast path (else the comparison could pass without testing it). */
function countingEngine(): { engine: Engine; fast: () => number } {
  const engine = new Engine();
  let fast = 0;
  const original = engine.analyzeBodyEdit.bind(engine);
  engine.analyzeBodyEdit = (...args) => {
    const result = original(...args);
    if (result) fast++;
    return result;
  };
  return { engine, fast: () => fast };
}

/**
 * The findings once the document has settled (EngineDocument.settle, which the server runs when idle): the analysis
 * again when the function parsed alone read differently from the whole file.
 */
function settledFindings(doc: EngineDocument, findings: Finding[]): Finding[] {
  return doc.settle() ? doc.analyze().findings : findings;
}

/**
 * Random edits inside function bodies, each compared; most are undone again (compared too), like typing and deleting.
 * `settleBeforeUndo` false: the edit and its undo are analysed back to back (the second edit finds the first one's
 * function parse still waiting for the whole-file parse), and only the undo is compared.
 */
function typeAndCompare(seed: number, edits: number, settleBeforeUndo = true): { analyses: number; fastEdits: number; restored: number; parsedAlone: number } {
  let text = joinedFixtures();
  const rand = makeRandom(seed);
  const { engine, fast } = countingEngine();
  const doc = engine.openDocument('/ws/src/lib.rs', text, CRATE);
  let analyses = 0;
  let restored = 0;
  let parsedAlone = 0;
  const edit = (start: number, end: number, inserted: string, what: string, compare = true) => {
    doc.applyChanges([{ start, end, text: inserted }]);
    text = text.slice(0, start) + inserted + text.slice(end);
    let findings = doc.analyze().findings;
    if (doc.lastScope === 'restored') restored++;
    if (doc.lastParse === 'function') parsedAlone++;
    if (!compare) return;
    findings = settledFindings(doc, findings);
    // Tree-sitter's incremental re-parse of broken code can recover differently from a parse from scratch: then
    // the two analyses read different trees, and only the engine's part can be compared, which is not this case.
    if (!sameTree(doc.currentTree()!, text)) return;
    assertSameFindings(findings, fresh(text), what);
    analyses++;
  };
  try {
    doc.analyze();
    let sites = bodyOffsets(text);
    for (let i = 0; i < edits && sites.length; i++) {
      const at = Math.min(sites[randomInt(rand, sites.length)], text.length);
      const remove = randomInt(rand, 3) === 0 ? randomInt(rand, 6) : 0;
      const inserted = remove && randomInt(rand, 2) === 0 ? '' : SNIPPETS[randomInt(rand, SNIPPETS.length)];
      const end = Math.min(text.length, at + remove);
      const removed = text.slice(at, end);
      // Every fourth edit stays, unless it leaves the rest of the file unbalanced (then no function bodies remain).
      const undo = i % 4 !== 0 || UNBALANCED.has(inserted) || removed;
      edit(at, end, inserted, `edit ${i} at ${at}: ${JSON.stringify(inserted)} replacing ${JSON.stringify(removed)}`, settleBeforeUndo || !undo);
      if (undo) edit(at, at + inserted.length, removed, `undoing edit ${i}`);
      else sites = bodyOffsets(text);
    }
  } finally {
    doc.dispose();
  }
  return { analyses, fastEdits: fast(), restored, parsedAlone };
}

for (const seed of [1, 2]) {
  test(`typing inside function bodies gives the same findings as a fresh analysis (seed ${seed})`, () => {
    const { analyses, fastEdits, restored, parsedAlone } = typeAndCompare(seed, 30, seed === 1);
    assert.ok(parsedAlone >= analyses / 4, `only ${parsedAlone} of ${analyses} analyses parsed the edited function alone`);
    assert.ok(analyses >= (seed === 1 ? 40 : 20), `only ${analyses} analyses were compared (the others re-parsed to a different tree)`);
    assert.ok(fastEdits >= analyses / 3, `only ${fastEdits} of ${analyses} analyses took the fast path`);
    // Undoing an edit that broke the parse outside its function brings back an analysed text: reused, and compared.
    assert.ok(restored > 0, 'no undo reused the analysis of the text before');
  });
}

test('several edits before one analysis (a debounced burst) give the same findings as a fresh analysis', () => {
  let text = joinedFixtures();
  const doc = new Engine().openDocument('/ws/src/lib.rs', text, CRATE);
  try {
    doc.analyze();
    const sites = bodyOffsets(text);
    const rand = makeRandom(3);
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < 4; k++) {
        const at = Math.min(sites[randomInt(rand, sites.length)], text.length);
        const inserted = SNIPPETS[randomInt(rand, SNIPPETS.length)];
        doc.applyChanges([{ start: at, end: at, text: inserted }]);
        text = text.slice(0, at) + inserted + text.slice(at);
      }
      assertSameFindings(doc.analyze().findings, fresh(text), `round ${round}`);
    }
  } finally {
    doc.dispose();
  }
});

test('the context listed with each function is the one computed for it alone (both paths share cache entries)', () => {
  const text = joinedFixtures();
  const tree = parse(text)!;
  try {
    const items = functionItems(tree.rootNode);
    assert.ok(items.length > 100);
    for (const { fn, impl, context } of items) assert.equal(context, functionContext(fn, impl, text), fn.childForFieldName('name')?.text);
  } finally {
    tree.delete();
  }
});

/** Every `.rs` of a multi-file fixture folder, by path under a virtual crate. */
function folderFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(dir).sort()) if (name.endsWith('.rs')) files.set(`/ws/src/${name}`, fs.readFileSync(path.join(dir, name), 'utf8'));
  return files;
}

for (const folder of ['rc-cycle/multi_file_parent_child', 'lock-order/flagged_across_files']) {
  test(`typing in one of several open files keeps every file's findings equal to a fresh analysis (${folder})`, () => {
    const texts = folderFiles(path.join(FIXTURES, folder));
    const engine = new Engine();
    const docs = new Map([...texts].map(([p, t]) => [p, engine.openDocument(p, t, CRATE)]));
    const rand = makeRandom(5);
    try {
      for (const doc of docs.values()) doc.analyze();
      for (const doc of docs.values()) doc.analyze(); // the second round sees every file's facts
      let fast = 0;
      for (let i = 0; i < 24; i++) {
        const [p, doc] = [...docs][randomInt(rand, docs.size)];
        const sites = bodyOffsets(doc.text);
        if (!sites.length) continue;
        const at = sites[randomInt(rand, sites.length)];
        const inserted = ['let y = 2;\n', 'x', ' ', '\n'][randomInt(rand, 4)];
        doc.applyChanges([{ start: at, end: at, text: inserted }]);
        texts.set(p, doc.text);
        const own = doc.analyze().findings;
        if (doc.lastScope === 'function') fast++;
        const fresh = new Engine();
        // Twice: a file's lock identities resolve through the other files' facts, known after the first pass.
        for (let pass = 0; pass < 2; pass++) for (const [q, t] of texts) fresh.indexText(q, t);
        // The other documents first (re-analysing the edited one would rebuild the workspace findings they read).
        for (const [q, other] of docs) if (q !== p) assertSameFindings(other.analyze().findings, fresh.checkText(q, texts.get(q)!, CRATE).findings, `edit ${i} in ${p}, findings of ${q}`);
        assertSameFindings(own, fresh.checkText(p, texts.get(p)!, CRATE).findings, `edit ${i} in ${p}`);
      }
      assert.ok(fast > 0, 'no edit took the fast path');
    } finally {
      for (const doc of docs.values()) doc.dispose();
    }
  });
}

test('composed edit offset maps (OffsetShift) equal the edits applied one after another', () => {
  const rand = makeRandom(5);
  for (let run = 0; run < 200; run++) {
    let shift = OffsetShift.identity;
    const edits: { oldEnd: number; delta: number }[] = [];
    for (let i = 0, n = 1 + randomInt(rand, 40); i < n; i++) {
      const edit = { oldEnd: randomInt(rand, 300), delta: randomInt(rand, 7) - 3 };
      edits.push(edit);
      shift = shift.then(edit);
    }
    for (let offset = 0; offset < 320; offset++) {
      const expected = edits.reduce((at, e) => (at >= e.oldEnd ? at + e.delta : at), offset);
      assert.equal(shift.map(offset), expected, `offset ${offset} after ${JSON.stringify(edits)}`);
    }
  }
  assert.ok(OffsetShift.identity.then({ oldEnd: 10, delta: 1 }).then({ oldEnd: 11, delta: -1 }).isIdentity, 'typing a character and deleting it');
});

test('field sites moved by many edits in many functions equal the edits applied one after another', () => {
  const rand = makeRandom(11);
  const site = (start: number, lineStart: number): FieldSite => ({ field: 'f', kind: 'access', onSelf: false, chain: [], resultUsed: false, start, end: start + 1, lineStart, indent: '' });
  for (let run = 0; run < 40; run++) {
    // Sites in "functions" of 100 characters: [100k, 100k + 100), sites at 10 + 10j, line starts 3 before. Every
    // fourth run types in 300 functions (more runs of sites than are kept apart: they are copied into one).
    const functions = run % 4 === 3 ? 300 : 30;
    let expected: FieldSite[] = [];
    for (let k = 0; k < functions; k++) for (let j = 0; j < (k % 5 === 4 ? 0 : 8); j++) expected.push(site(100 * k + 10 + 10 * j, 100 * k + 7 + 10 * j));
    let modules = [{ start: 150, end: 420 }, { start: 1_010, end: 1_990 }];
    let derives: FieldSites['weakIncompatibleDerives'] = { A: { traits: ['Hash'], lineStart: 40, indent: '' }, B: { traits: ['PartialEq'], lineStart: 2_050, indent: '    ' } };
    let data: FieldSites = { sites: expected, complete: true, useInsertAt: 0, modules, weakIncompatibleDerives: derives };
    const fnStarts = Array.from({ length: functions }, (_, k) => 100 * k);
    const fnEnds = fnStarts.map((s) => s + 100);
    for (let i = 0; i < 300; i++) {
      const k = randomInt(rand, functions);
      const start = fnStarts[k];
      const oldEnd = fnEnds[k];
      const editStart = start + 5 + randomInt(rand, 80);
      const delta = randomInt(rand, 5) - 2;
      const editEnd = delta < 0 ? editStart - delta : editStart;
      const map = (offset: number) => (offset >= editEnd ? offset + delta : offset);
      const fresh = Array.from({ length: randomInt(rand, 4) }, (_, j) => site(start + 10 + 20 * j, start + 8 + 20 * j));
      expected = [...expected.filter((s) => s.start < start), ...fresh, ...expected.filter((s) => s.start >= oldEnd).map((s) => ({ ...s, start: s.start + delta, end: s.end + delta, lineStart: map(s.lineStart) }))];
      data = movedSites(data, { start, oldEnd, fresh, delta, map, editEnd });
      modules = modules.map((m) => ({ start: map(m.start), end: map(m.end) }));
      derives = Object.fromEntries(Object.entries(derives).map(([name, d]) => [name, { ...d, lineStart: map(d.lineStart) }]));
      if (i % 53 === 0 || i === 299) assert.deepEqual([data.modules, data.weakIncompatibleDerives], [modules, derives], `run ${run}, move ${i}: modules and derives`);
      for (let j = 0; j < functions; j++) {
        if (fnStarts[j] >= editEnd) fnStarts[j] += delta;
        if (fnEnds[j] >= editEnd) fnEnds[j] += delta;
      }
      if (i % 37 === 0 || i === 299) assert.deepEqual(data.sites.map((s) => [s.start, s.end, s.lineStart]), expected.map((s) => [s.start, s.end, s.lineStart]), `run ${run}, move ${i}`);
    }
  }
  const empty: FieldSites = { sites: [], complete: true, useInsertAt: 0, modules: [], weakIncompatibleDerives: {} };
  assert.deepEqual(movedSites(empty, { start: 0, oldEnd: 10, fresh: [site(3, 0)], delta: 1, map: (o) => (o >= 5 ? o + 1 : o), editEnd: 5 }).sites.map((s) => s.start), [3]);
});

test('comparing data moved by an edit (equalWhenMoved) agrees with comparing the JSON of the moved copy', () => {
  const rand = makeRandom(5);
  const offsetKeys = ['start', 'end', 'lineStart', 'body'];
  const otherKeys = ['field', 'kind', 'owner', 'count'];
  const build = (depth: number): unknown => {
    const roll = randomInt(rand, 10);
    if (depth > 2 || roll < 3) return [randomInt(rand, 40), 'self', undefined, true][randomInt(rand, 4)];
    if (roll < 5) return Array.from({ length: randomInt(rand, 3) }, () => build(depth + 1));
    const out: Record<string, unknown> = {};
    for (const k of offsetKeys) if (randomInt(rand, 2)) out[k] = randomInt(rand, 40);
    for (const k of otherKeys) if (randomInt(rand, 3) === 0) out[k] = build(depth + 1);
    return out;
  };
  // One random change somewhere in a copy: a number, a member, or an array element.
  const perturb = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.length && randomInt(rand, 2) ? value.map((v, i) => (i === 0 ? perturb(v) : v)) : [...value, 1];
    if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      const copy = { ...(value as Record<string, unknown>) };
      if (!keys.length || randomInt(rand, 3) === 0) copy.kind = 'other';
      else copy[keys[0]] = perturb(copy[keys[0]]);
      return copy;
    }
    return typeof value === 'number' ? value + 1 : 0;
  };
  let equal = 0;
  for (let i = 0; i < 3000; i++) {
    const value = build(0);
    const at = randomInt(rand, 40);
    const delta = randomInt(rand, 5) - 2;
    const map = (offset: number) => (offset >= at ? offset + delta : offset);
    const moved = randomInt(rand, 2) ? mapOffsets(value, map) : perturb(mapOffsets(value, map));
    const expected = JSON.stringify(mapOffsets(value, map)) === JSON.stringify(moved);
    assert.equal(equalWhenMoved(value, moved, map), expected, JSON.stringify({ value, moved, at, delta }));
    if (expected) equal++;
  }
  assert.ok(equal > 1000 && equal < 2900, `both answers occur (${equal} equal)`);
});
