// The Cargo.toml / Cargo.lock features of the language server, driven directly with LSP params:
// diagnostics published in two steps (advisories, then counts), inlay hints, hover, the quick-fix,
// unsaved edits, progress, settings.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Diagnostic } from 'vscode-languageserver';
import { initParser } from '../server/src/engine/parser';
import { CargoTomlFeatures, isCargoUri, parseDepsSettings, type CargoHost } from '../server/src/lsp/cargo-toml';
import { pathToUri } from '../server/src/lsp/uri';

const FIX = path.join(__dirname, 'fixtures-deps');
const WS = path.join(FIX, 'workspace');
const APP = path.join(WS, 'crates', 'app', 'Cargo.toml');
const LOCK = path.join(WS, 'Cargo.lock');
const SETTINGS = { deps: { advisoryDb: path.join(FIX, 'advisory-db'), registries: [path.join(FIX, 'registry')], cargoHome: path.join(FIX, 'cargo-home') } };

interface Recorded {
  published: Map<string, Diagnostic[]>;
  refreshes: number;
  progress: string[];
  logs: string[];
}

function makeFeatures(): { features: CargoTomlFeatures; rec: Recorded } {
  const rec: Recorded = { published: new Map(), refreshes: 0, progress: [], logs: [] };
  const host: CargoHost = {
    publish: (uri, diagnostics) => rec.published.set(uri, diagnostics),
    refresh: () => rec.refreshes++,
    progress: async (title) => {
      rec.progress.push(`begin ${title}`);
      return { report: (pct, msg) => rec.progress.push(`${pct}% ${msg}`), done: () => rec.progress.push('done'), cancelled: false };
    },
    log: (m) => rec.logs.push(m),
  };
  const features = new CargoTomlFeatures(host);
  features.configure(SETTINGS);
  return { features, rec };
}

function open(features: CargoTomlFeatures, file: string, text = fs.readFileSync(file, 'utf8')): string {
  const uri = pathToUri(file);
  features.open({ textDocument: { uri, languageId: 'toml', version: 1, text } });
  return uri;
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length - 1;
}

before(async () => {
  await initParser();
});

test('cargo files are recognised by name; settings parse leniently', () => {
  assert.ok(isCargoUri('file:///w/Cargo.toml'));
  assert.ok(isCargoUri('file:///w/Cargo.lock'));
  assert.ok(!isCargoUri('file:///w/pyproject.toml'));
  assert.deepEqual(parseDepsSettings({ deps: { advisoryDb: ' /db ', registries: ['/r', 3, ''], enabled: 'yes' } }), { enabled: true, advisoryDb: '/db', registries: ['/r'], cargoHome: undefined });
  assert.equal(parseDepsSettings({ deps: { enabled: false } }).enabled, false);
  assert.equal(parseDepsSettings({ deps: { registries: [] } }).registries, undefined, 'empty means the default registry');
  assert.deepEqual(parseDepsSettings(undefined), { enabled: true, advisoryDb: undefined, registries: undefined, cargoHome: undefined });
});

test('Cargo.toml: advisories as diagnostics, unsafe inlay hints, hover and the quick-fix', async () => {
  const { features, rec } = makeFeatures();
  const text = fs.readFileSync(APP, 'utf8');
  const uri = open(features, APP, text);
  await features.whenIdle();
  const diags = rec.published.get(uri)!;
  assert.deepEqual(diags.map((d) => [d.code, d.severity]).sort(), [
    ['RUSTSEC-2020-0071', 2],
    ['RUSTSEC-2021-0001', 1],
    ['RUSTSEC-2022-0002', 4],
    ['RUSTSEC-2023-0003', 1],
    ['deps-notice', 3],
  ]);
  const raw = diags.find((d) => d.code === 'RUSTSEC-2021-0001')!;
  assert.equal(raw.range.start.line, lineOf(text, 'rawbuf.workspace'));
  assert.equal(raw.codeDescription?.href, 'https://example.invalid/rawbuf/issues/7');
  assert.ok(rec.refreshes >= 2, 'refreshed once advisories were ready and again after counting');
  assert.ok(rec.progress.includes('done') && rec.progress.some((p) => p.startsWith('100%')));

  const hints = features.inlayHints({ textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } } });
  const rawHint = hints.find((h) => h.position.line === lineOf(text, 'rawbuf.workspace'))!;
  assert.equal(rawHint.label, 'unsafe: 5 blocks · 2 fn · 2 impl · 1 trait');
  assert.equal(rawHint.position.character, 'rawbuf.workspace = true'.length);

  const hover = features.hover({ textDocument: { uri }, position: { line: lineOf(text, 'oldtime ='), character: 2 } });
  assert.match((hover?.contents as { value: string }).value, /RUSTSEC-2020-0071.*unsound.*Potential segfault/);
  assert.equal(features.hover({ textDocument: { uri }, position: { line: 0, character: 1 } }), null, 'no hover off dependency lines');

  const line = lineOf(text, 'oldtime =');
  const actions = features.codeActions({ textDocument: { uri }, range: { start: { line, character: 0 }, end: { line, character: 0 } }, context: { diagnostics: [] } });
  assert.equal(actions.length, 1);
  assert.equal(actions[0].title, 'Raise oldtime to 0.1.45 (first patched version)');
  assert.equal(actions[0].isPreferred, true);
  const edits = actions[0].edit!.changes![uri];
  assert.equal(edits[0].newText, '0.1.45');
  assert.equal(edits[0].range.start.line, line);
  // The inherited requirement is raised in the root manifest.
  const rawLine = lineOf(text, 'rawbuf.workspace');
  const rawActions = features.codeActions({ textDocument: { uri }, range: { start: { line: rawLine, character: 0 }, end: { line: rawLine, character: 3 } }, context: { diagnostics: [] } });
  assert.deepEqual(Object.keys(rawActions[0].edit!.changes!), [pathToUri(path.join(WS, 'Cargo.toml'))]);
  features.dispose();
});

test('Cargo.toml: unsaved edits move the diagnostics at once and rebuild the report', async () => {
  const { features, rec } = makeFeatures();
  const text = fs.readFileSync(APP, 'utf8');
  const uri = open(features, APP, text);
  await features.whenIdle();
  // Insert two lines above [dependencies]: the diagnostics follow the text before any rebuild.
  const at = lineOf(text, '[dependencies]');
  features.change({ textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, text: '# a\n# b\n' }] });
  const moved = rec.published.get(uri)!.find((d) => d.code === 'RUSTSEC-2021-0001')!;
  assert.equal(moved.range.start.line, lineOf(text, 'rawbuf.workspace') + 2);
  // Removing the dependency removes its diagnostic after the rebuild.
  const updated = text.replace('[dependencies]', '# a\n# b\n[dependencies]').replace('abandoned = "1.0"\n', '');
  features.change({ textDocument: { uri, version: 3 }, contentChanges: [{ text: updated }] });
  await features.whenIdle();
  assert.ok(!rec.published.get(uri)!.some((d) => d.code === 'RUSTSEC-2022-0002'));
  features.close(uri);
  assert.deepEqual(rec.published.get(uri), [], 'closing clears the diagnostics');
  assert.equal(features.hover({ textDocument: { uri }, position: { line: 7, character: 1 } }), null);
  assert.equal((features as unknown as { reports: Map<string, unknown> }).reports.size, 0, 'the report of a workspace with no open Cargo file is dropped');
  features.dispose();
});

test('Cargo.lock: diagnostics on every affected package, hints on package names', async () => {
  const { features, rec } = makeFeatures();
  const text = fs.readFileSync(LOCK, 'utf8');
  const uri = open(features, LOCK, text);
  await features.whenIdle();
  const codes = rec.published.get(uri)!.map((d) => d.code).sort();
  assert.deepEqual(codes, ['RUSTSEC-2020-0071', 'RUSTSEC-2021-0001', 'RUSTSEC-2022-0002', 'RUSTSEC-2023-0003', 'deps-notice']);
  const hints = features.inlayHints({ textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } } });
  assert.equal(hints.length, 10);
  assert.ok(hints.some((h) => h.label === 'unsafe: forbidden'));
  features.dispose();
});

test('settings: deps disabled publishes nothing; no database gives one notice', async () => {
  const { features, rec } = makeFeatures();
  features.configure({ deps: { enabled: false } });
  const uri = open(features, APP);
  await features.whenIdle();
  assert.deepEqual(rec.published.get(uri), []);
  features.configure({ deps: { ...SETTINGS.deps, advisoryDb: path.join(FIX, 'no-such-db') } });
  await features.whenIdle();
  const diags = rec.published.get(uri)!;
  assert.equal(diags.length, 1);
  assert.equal(diags[0].severity, 3);
  assert.equal(diags[0].range.start.line, 0);
  assert.match(diags[0].message as string, /no RustSec advisory database/);
  features.dispose();
});

test('over stdio: the bundled server publishes advisories and answers inlay hints for Cargo.toml', async () => {
  const { LspClient, fileUri } = await import('./harness/lsp-client');
  const { spawnSync } = await import('child_process');
  if (!fs.existsSync(path.join(__dirname, '..', 'dist', 'server.js'))) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
  const client = await LspClient.start({ root: WS, settings: { workspaceScan: false, ...SETTINGS } });
  try {
    const uri = fileUri(APP);
    const text = fs.readFileSync(APP, 'utf8');
    await client.open(uri, text, 1, 'toml');
    const published = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'RUSTSEC-2021-0001'));
    assert.equal(published.diagnostics.find((d) => d.code === 'RUSTSEC-2021-0001')!.range.start.line, lineOf(text, 'rawbuf.workspace'));
    const hintsFor = () => client.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } } }) as Promise<{ label: string }[]>;
    // Each crate's unsafe count lands when its background count finishes: wait for both labels.
    const expected = ['unsafe: 5 blocks · 2 fn · 2 impl · 1 trait', 'unsafe: forbidden | tree: 1 in 2 crates'];
    let labels: string[] = [];
    for (let attempt = 0; attempt < 150 && !expected.every((l) => labels.includes(l)); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      labels = (await hintsFor()).map((h) => h.label);
    }
    for (const label of expected) assert.ok(labels.includes(label), `${label} missing from:\n${labels.join('\n')}`);
  } finally {
    await client.stop();
  }
});
