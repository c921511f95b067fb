// The language server as an editor sees it: open, incremental edits, diagnostics, code actions applied
// to the text, hover, settings changes. Runs the bundled dist/server.js (npm test builds it first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeAction, Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { applyTextEdits, editsFor, fileUri, LspClient, SERVER, tempDir } from './harness/lsp-client';

const SOURCE = ['fn main() {', '    let FLAG_ME = 1;', '    println!("{}", FLAG_ME);', '}', ''].join('\n');

let client: LspClient;
let dir: string;

before(async () => {
  assert.ok(fs.existsSync(SERVER), 'dist/server.js is missing: run `npm run build`');
  dir = tempDir();
  client = await LspClient.start({ testRules: true, settings: { debounceMs: 20, workspaceScan: false } });
});

after(async () => {
  const code = await client.stop();
  assert.equal(code, 0, 'the server exits with 0 after shutdown + exit');
  fs.rmSync(dir, { recursive: true, force: true });
});

const flagged = (d: Diagnostic[]) => d.filter((x) => x.code === 'test-flag');

function uriFor(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return fileUri(file);
}

test('didOpen publishes diagnostics with code, docs link, source, related information and data', async () => {
  const uri = uriFor('open.rs', SOURCE);
  await client.open(uri, SOURCE, 1);
  const published = await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 2, 1);
  const d = flagged(published.diagnostics)[0];
  assert.equal(d.source, 'blindspot');
  assert.equal(d.message, 'FLAG_ME is flagged');
  assert.deepEqual(d.range, { start: { line: 1, character: 8 }, end: { line: 1, character: 15 } });
  assert.match(d.codeDescription?.href ?? '', /#test-flag$/);
  assert.equal(d.relatedInformation?.[0].message, 'the function starts here');
  assert.deepEqual(d.relatedInformation?.[0].location.range.start, { line: 0, character: 0 });
  assert.deepEqual((d.data as { fixes: string[] }).fixes, ['Rename to FLAGGED', 'Rename to OTHER']);
  await client.close(uri);
});

test('incremental edits move and remove findings; UTF-16 columns', async () => {
  const uri = uriFor('edit2.rs', SOURCE);
  await client.open(uri, SOURCE, 1);
  await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 2, 1);
  // A line with an emoji (2 UTF-16 code units) above: findings move down one line; 22 counts the emoji as 2.
  await client.change(uri, 2, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '    let s = "😀"; let FLAG_ME = 2;\n' }]);
  const v2 = await client.waitForDiagnostics(uri, () => true, 2);
  assert.deepEqual(flagged(v2.diagnostics).map((d) => [d.range.start.line, d.range.start.character]), [[1, 22], [2, 8], [3, 19]]);
  // Replace the last FLAG_ME: two left.
  await client.change(uri, 3, [{ range: { start: { line: 3, character: 19 }, end: { line: 3, character: 26 } }, text: 'y' }]);
  const v3 = await client.waitForDiagnostics(uri, () => true, 3);
  assert.equal(flagged(v3.diagnostics).length, 2);
  await client.close(uri);
});

test('a burst of edits: published versions never go backwards and the last one is published', async () => {
  const uri = uriFor('burst.rs', 'fn main() {\n}\n');
  await client.open(uri, 'fn main() {\n}\n', 1);
  await client.waitForDiagnostics(uri, () => true, 1);
  const typed = 'let FLAG_ME = 1;';
  for (let i = 0; i < typed.length; i++) {
    await client.change(uri, i + 2, [{ range: { start: { line: 0, character: 11 + i }, end: { line: 0, character: 11 + i } }, text: typed[i] }]);
  }
  const last = typed.length + 1;
  const final = await client.waitForDiagnostics(uri, () => true, last);
  assert.equal(flagged(final.diagnostics).length, 1);
  const versions = client.published(uri).map((p) => p.version ?? 0);
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b), 'published versions are non-decreasing');
  await client.close(uri);
});

test('code actions: fixes (preferred marked), disable-for-line, show docs; applying the edit fixes the text', async () => {
  const text = 'fn main() {\n\tlet FLAG_ME = 1;\n}\n';
  const uri = uriFor('actions.rs', text);
  await client.open(uri, text, 1);
  const published = await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 1, 1);
  const diagnostic = flagged(published.diagnostics)[0];
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic] },
  });
  const titles = actions.map((a) => a.title);
  assert.deepEqual(titles.slice(0, 4), ['Rename to FLAGGED', 'Rename to OTHER', 'Disable test-flag for this line', 'Show documentation for test-flag']);
  assert.equal(actions[0].isPreferred, true);
  assert.equal(actions[1].isPreferred, false);
  assert.equal(applyTextEdits(text, editsFor(actions[0].edit!, uri)), 'fn main() {\n\tlet FLAGGED = 1;\n}\n');
  const disabled = applyTextEdits(text, editsFor(actions[2].edit!, uri));
  assert.equal(disabled, 'fn main() {\n\t// blindspot: allow(test-flag)\n\tlet FLAG_ME = 1;\n}\n');
  assert.deepEqual(actions[3].command, { title: 'Show documentation for test-flag', command: 'blindspot.showRuleDocs', arguments: ['test-flag'] });

  // The edit is versioned: the client refuses it if the document moved on.
  const documentChange = actions[0].edit!.documentChanges![0] as { textDocument: { version: number } };
  assert.equal(documentChange.textDocument.version, 1);

  // Applying the disable comment silences the finding.
  await client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } }, text: disabled }]);
  const after = await client.waitForDiagnostics(uri, () => true, 2);
  assert.equal(flagged(after.diagnostics).length, 0);
  await client.close(uri);
});

test('source.fixAll.blindspot applies every safe fix at once', async () => {
  const uri = uriFor('fixall.rs', SOURCE);
  await client.open(uri, SOURCE, 1);
  await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 2, 1);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics: [], only: ['source.fixAll'] },
  });
  assert.deepEqual(actions.map((a) => a.kind), ['source.fixAll.blindspot']);
  assert.equal(applyTextEdits(SOURCE, editsFor(actions[0].edit!, uri)), SOURCE.replace(/FLAG_ME/g, 'FLAGGED'));
  await client.close(uri);
});

test('hover: message, why it matters here, fixes on offer and the rule docs', async () => {
  const uri = uriFor('hover.rs', SOURCE);
  await client.open(uri, SOURCE, 1);
  await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 2, 1);
  const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 10 } });
  const value = (hover.contents as MarkupContent).value;
  assert.match(value, /FLAG_ME is flagged/);
  assert.match(value, /Why it matters here[\s\S]*this FLAG_ME sits in fn main/);
  assert.match(value, /Fixes on offer[\s\S]*Rename to FLAGGED \(preferred\)/);
  assert.match(value, /What it does[\s\S]*Flags FLAG_ME for tests/);
  assert.deepEqual(hover.range, { start: { line: 1, character: 8 }, end: { line: 1, character: 15 } });
  const nothing = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 1 } });
  assert.equal(nothing, null);
  await client.close(uri);
});

test('settings change: disabling a rule removes its diagnostics, severity overrides apply, without a restart', async () => {
  const uri = uriFor('settings.rs', SOURCE);
  await client.open(uri, SOURCE, 1);
  await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 2, 1);
  const before = client.published(uri).length;
  client.settings = { debounceMs: 20, workspaceScan: false, rules: { 'test-flag': { severity: 'error' } } };
  await client.notify('workspace/didChangeConfiguration', { settings: null });
  const errors = await client.waitFor('republish', () => client.published(uri).length > before && flagged(client.latest(uri)!.diagnostics).every((d) => d.severity === 1) && client.latest(uri));
  assert.equal(flagged(errors.diagnostics).length, 2);
  client.settings = { debounceMs: 20, workspaceScan: false, rules: { 'test-flag': 'off' } };
  await client.notify('workspace/didChangeConfiguration', { settings: null });
  await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 0);
  client.settings = { debounceMs: 20, workspaceScan: false };
  await client.notify('workspace/didChangeConfiguration', { settings: null });
  await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 2);
  await client.close(uri);
});

test('a rule that throws is logged and the other rules still report', async () => {
  const text = 'fn explode() {\n    let FLAG_ME = 1;\n}\n';
  const uri = uriFor('throw.rs', text);
  await client.open(uri, text, 1);
  const published = await client.waitForDiagnostics(uri, () => true, 1);
  assert.equal(flagged(published.diagnostics).length, 1);
  await client.waitFor('rule error log', () => client.logs.find((l) => l.includes('rule test-throw failed') && l.includes('test-throw exploded')));
  await client.close(uri);
});

test('untitled buffers are analysed with default crate info; closing clears their diagnostics', async () => {
  const uri = 'untitled:Untitled-1';
  await client.open(uri, SOURCE, 1);
  await client.waitForDiagnostics(uri, (p) => flagged(p.diagnostics).length === 2, 1);
  await client.close(uri);
  await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
});

test('the status notification counts findings', async () => {
  const uri = uriFor('status.rs', SOURCE);
  await client.open(uri, SOURCE, 1);
  await client.waitFor('status with findings', () =>
    client.notifications.find((n) => n.method === 'blindspot/status' && (n.params as { findings: number }).findings >= 2),
  );
  await client.close(uri);
});

test('an edit re-analyses only the function it touched', async () => {
  const text = 'fn counted_a() {\n    let x = 1;\n}\n\nfn counted_b() {\n    let y = 2;\n}\n';
  const uri = uriFor('cache.rs', text);
  const runs = (p: { diagnostics: Diagnostic[] }) => p.diagnostics.filter((d) => d.code === 'test-runs').map((d) => d.message);
  await client.open(uri, text, 1);
  const first = await client.waitForDiagnostics(uri, () => true, 1);
  assert.deepEqual(runs(first), ['counted_a analysed 1 time(s)', 'counted_b analysed 1 time(s)']);
  // Edit inside counted_a's body: counted_b's findings come from the cache, shifted to its new place.
  await client.change(uri, 2, [{ range: { start: { line: 1, character: 14 }, end: { line: 1, character: 14 } }, text: '\n    let z = x + 1;' }]);
  const second = await client.waitForDiagnostics(uri, () => true, 2);
  assert.deepEqual(runs(second), ['counted_a analysed 2 time(s)', 'counted_b analysed 1 time(s)']);
  assert.equal(second.diagnostics.find((d) => d.message.toString().startsWith('counted_b'))?.range.start.line, 5);
  await client.close(uri);
});
