// The parallel workspace scan (engine/scan.ts) gives exactly what the sequential two-pass check gives
// (index every file, then check each), in the order asked, with skip reasons, a per-file time bound
// and cancellation.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Engine } from '../server/src/engine/analyze';
import { crateInfoFor } from '../server/src/engine/crate';
import { initParser } from '../server/src/engine/parser';
import type { Finding } from '../server/src/engine/rule';
import { scanFiles, type ScanOptions, type ScanResult, type ScanStats } from '../server/src/engine/scan';
import { rustFilesUnder } from '../scripts/fuzz/sources';

before(async () => {
  await initParser();
});

const FIXTURES = path.join(__dirname, 'fixtures');

/** Every rule fixture (not fix tests): many files whose types resolve across files, and workspace rules. */
function fixtureFiles(): string[] {
  return rustFilesUnder(FIXTURES).filter((f) => !f.split(path.sep).includes('fixes')).sort();
}

// Fixes included: rc-cycle's Weak fix is built from field sites, which a scan reads from disk only when needed.
const shape = (f: Finding) => `${f.ruleId}@${f.range.start}-${f.range.end}:${f.message}:${JSON.stringify(f.fixes)}`;

function sequential(files: string[]): Map<string, string[]> {
  const engine = new Engine();
  for (const f of files) engine.indexText(f, fs.readFileSync(f, 'utf8'));
  return new Map(files.map((f) => [f, engine.checkText(f, fs.readFileSync(f, 'utf8'), crateInfoFor(f)).findings.map(shape)]));
}

async function collect(files: string[], options: ScanOptions): Promise<ScanResult[]> {
  const out: ScanResult[] = [];
  for await (const r of scanFiles(files, options)) out.push(r);
  return out;
}

for (const threads of [2, 1]) {
  test(`scan with ${threads} thread(s) equals the sequential check on every fixture`, async () => {
    const files = fixtureFiles();
    assert.ok(files.length >= 20);
    const want = sequential(files);
    const stats = {} as ScanStats;
    const engine = new Engine();
    const got = await collect(files, { threads, engine, stats });
    assert.deepEqual(got.map((r) => r.path), files, 'one result per file, in the order given');
    for (const r of got) assert.deepEqual(r.findings.map(shape), want.get(r.path), r.path);
    assert.equal(stats.threads, threads);
    assert.ok(stats.rechecked < files.length, 'only files that depend on others are checked twice');
    for (const f of files) assert.ok(engine.workspace.hasFile(f), 'facts of every file reach the engine');
  });
}

function tempWorkspace(files: Record<string, string | Buffer>): { dir: string; paths: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-scan-'));
  const paths = Object.entries(files).map(([name, content]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  });
  return { dir, paths };
}

test('unreadable, binary, invalid UTF-8 and vanished files are skipped with reasons; texts come back on request', async () => {
  const plain = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`ok${i}.rs`, `fn f${i}(v: Vec<u8>) { std::mem::forget(v); }\n`]));
  const { dir, paths } = tempWorkspace({ ...plain, 'bin.rs': Buffer.from([0x66, 0, 0x6e]), 'bad.rs': Buffer.from([0x66, 0xff, 0x6e]), 'bom.rs': Buffer.from('\ufefffn g() {}\n') });
  try {
    const gone = path.join(dir, 'gone.rs');
    const results = await collect([...paths, gone], { threads: 2, includeText: true });
    const byName = new Map(results.map((r) => [path.basename(r.path), r]));
    assert.match(byName.get('bin.rs')!.skipped!, /binary/);
    assert.match(byName.get('bad.rs')!.skipped!, /UTF-8/);
    assert.match(byName.get('gone.rs')!.skipped!, /no such file/);
    assert.equal(byName.get('bom.rs')!.text, 'fn g() {}\n');
    assert.equal(byName.get('bom.rs')!.bom, true);
    assert.equal(byName.get('ok3.rs')!.findings[0]?.ruleId, 'mem-forget');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that keeps its worker busy past the bound is skipped; the others are checked', async () => {
  const plain = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`ok${i}.rs`, `fn f${i}(v: Vec<u8>) { std::mem::forget(v); }\n`]));
  // A 3 MB method chain parses for many seconds (the parse timeout is raised so only the bound stops it).
  const slow = `async fn f() { ${'a.b()'.repeat(600_000)}; }\n`;
  const { dir, paths } = tempWorkspace({ 'slow.rs': slow, ...plain });
  try {
    const engine = new Engine();
    engine.updateSettings({ parseTimeoutMs: 600_000, maxFileBytes: 10_000_000 });
    const results = await collect(paths, { threads: 2, engine, fileTimeoutMs: 1500 });
    assert.match(results[0].skipped ?? '', /took longer than 1500 ms/);
    assert.equal(results.filter((r) => r.findings.some((f) => f.ruleId === 'mem-forget')).length, 12);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the file a worker is stuck on is the one skipped, though results travel in batches', async () => {
  // Fast files before the slow one in the same batch are finished but not yet sent when the bound runs out.
  const names = Array.from({ length: 12 }, (_, i) => `ok${String(i).padStart(2, '0')}.rs`);
  const entries: [string, string][] = names.map((n, i) => [n, `fn f${i}(v: Vec<u8>) { std::mem::forget(v); }\n`]);
  entries.splice(4, 0, ['ok03b.rs', `async fn f() { ${'a.b()'.repeat(600_000)}; }\n`]);
  const { dir, paths } = tempWorkspace(Object.fromEntries(entries));
  assert.equal(path.basename(paths[4]), 'ok03b.rs');
  try {
    const engine = new Engine();
    engine.updateSettings({ parseTimeoutMs: 600_000, maxFileBytes: 10_000_000 });
    const results = await collect(paths, { threads: 2, engine, fileTimeoutMs: 1500 });
    const skipped = results.filter((r) => r.skipped);
    assert.deepEqual(skipped.map((r) => path.basename(r.path)), ['ok03b.rs']);
    assert.match(skipped[0].skipped!, /took longer than 1500 ms/);
    assert.equal(results.filter((r) => r.findings.some((f) => f.ruleId === 'mem-forget')).length, 12);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker that outlives the bound is never blamed between files', async () => {
  // Thousands of tiny files keep each worker alive far longer than the bound; only a file that takes long may be skipped.
  const files = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`f${i}.rs`, `fn f${i}() {}\n`]));
  const { dir, paths } = tempWorkspace(files);
  try {
    const results = await collect(paths, { threads: 2, fileTimeoutMs: 500 });
    assert.deepEqual(results.filter((r) => r.skipped).map((r) => `${path.basename(r.path)}: ${r.skipped}`), []);
    assert.equal(results.length, paths.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an aborted scan stops early and leaves no worker behind', async () => {
  const files = fixtureFiles();
  const controller = new AbortController();
  let seen = 0;
  for await (const _ of scanFiles(files, { threads: 2, signal: controller.signal })) {
    if (++seen === 3) controller.abort();
  }
  assert.ok(seen < files.length, `stopped after ${seen} of ${files.length}`);
});

test('a file the editor opened during the scan keeps its buffer facts: the scan stores none for it', async () => {
  const files = fixtureFiles();
  const open = files[3];
  const engine = new Engine();
  const results = await collect(files, { threads: 2, engine, isOpen: (p) => p === open });
  assert.equal(results.length, files.length);
  assert.ok(!engine.workspace.hasFile(open), 'no facts from the disk for the open file');
  assert.ok(engine.workspace.hasFile(files[4]));
});
