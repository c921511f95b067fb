// Clients that misbehave, and the server's other modes: every bad message gets an error or nothing,
// never a crash. Also: pull diagnostics, the real lock rule on the seed example, skipped files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CodeAction, DocumentDiagnosticReport, FullDocumentDiagnosticReport, Hover } from 'vscode-languageserver-protocol';
import { LspClient, messageText, SEED_EXAMPLE } from './harness/lsp-client';

const SOURCE = 'fn main() {\n    let FLAG_ME = 1;\n}\n';

async function rejects(promise: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(promise, (e: { code?: number }) => e.code === code);
}

test('unknown URIs, out-of-range positions, stray changes and malformed params: answered, never a crash', async () => {
  const client = await LspClient.start({ testRules: true, settings: { workspaceScan: false, debounceMs: 10 } });
  try {
    const ghost = 'file:///nowhere/ghost.rs';
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri: ghost }, position: { line: 0, character: 0 } }), null);
    assert.deepEqual(await client.request('textDocument/codeAction', { textDocument: { uri: ghost }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } }), []);
    await client.change(ghost, 7, [{ text: 'fn x() {}' }]);
    await client.close(ghost);

    const uri = 'untitled:hostile';
    await client.open(uri, SOURCE, 1);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 1, 1);
    // Positions far past the end are clamped: hover gives nothing, a code action range still works.
    assert.equal(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 999, character: 999 } }), null);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 1, character: 0 }, end: { line: 999, character: 999 } }, context: { diagnostics: [] } });
    assert.ok(actions.some((a) => a.title === 'Rename to FLAGGED'));
    // A change past the end lands at the end; a version jump the server never saw is still applied.
    await client.change(uri, 40, [{ range: { start: { line: 50, character: 3 }, end: { line: 60, character: 0 } }, text: 'fn more() { let FLAG_ME = 2; }\n' }]);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 2, 40);
    // A version going backwards, and a negative position: applied (clamped), diagnostics follow the text.
    await client.change(uri, 3, [{ range: { start: { line: -1, character: -5 }, end: { line: 0, character: 0 } }, text: '// top\n' }]);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 2 && p.diagnostics[0].range.start.line === 2, 3);
    assert.ok(client.logs.some((l) => l.includes('goes from version 40 to 3')));
    // A change without text is dropped, the document stays as it was.
    await client.change(uri, 41, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 2 } } } as never]);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 2, 41);
    // Malformed params and unknown methods get errors.
    await assert.rejects(client.request('textDocument/hover', { position: { line: 0, character: 0 } }));
    await rejects(client.request('blindspot/noSuchMethod', {}), -32601);
    await rejects(client.request('workspace/executeCommand', { command: 'blindspot.noSuchCommand' }), -32602);
    const docs = await client.request<{ markdown?: string }>('workspace/executeCommand', { command: 'blindspot.showRuleDocs', arguments: [42] });
    assert.equal(docs.markdown, undefined);
    // The docs request the VS Code client uses: a rule's markdown, and the list for a picker.
    const listed = await client.request<{ markdown?: string; rules: { id: string }[] }>('blindspot/ruleDocs', {});
    assert.ok(listed.rules.some((r) => r.id === 'lock-across-await') && listed.rules.some((r) => r.id === 'test-flag'));
    const one = await client.request<{ markdown?: string }>('blindspot/ruleDocs', { ruleId: 'test-flag' });
    assert.match(one.markdown ?? '', /## What it does/);
    assert.equal((await client.request<{ markdown?: string }>('blindspot/ruleDocs', null)).markdown, undefined);
    // Still alive and correct.
    const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 10 } });
    assert.ok(hover);
  } finally {
    assert.equal(await client.stop(), 0);
  }
});

test('requests after shutdown get InvalidRequest; exit then ends the process with 0', async () => {
  const client = await LspClient.start({ testRules: true, settings: { workspaceScan: false } });
  await client.open('untitled:a', SOURCE, 1);
  await client.request('shutdown', null);
  await rejects(client.request('textDocument/hover', { textDocument: { uri: 'untitled:a' }, position: { line: 1, character: 9 } }), -32600);
  await rejects(client.request('workspace/executeCommand', { command: 'blindspot.rescanWorkspace' }), -32600);
  await client.change('untitled:a', 2, [{ text: 'fn x() {}' }]);
  await client.notify('exit', null);
  assert.equal(await client.exited, 0);
  await client.stop();
});

test('exit without shutdown ends the process with 1', async () => {
  const client = await LspClient.start({ settings: { workspaceScan: false } });
  await client.notify('exit', null);
  assert.equal(await client.exited, 1);
  await client.stop();
});

test('pull diagnostics: no push for open documents, full then unchanged reports', async () => {
  const client = await LspClient.start({ testRules: true, settings: { workspaceScan: false, debounceMs: 10 }, capabilities: { textDocument: { diagnostic: { dynamicRegistration: false } }, workspace: { diagnostics: { refreshSupport: true } } } });
  try {
    const uri = 'untitled:pulled';
    await client.open(uri, SOURCE, 1);
    const first = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri } });
    assert.equal(first.kind, 'full');
    const full = first as FullDocumentDiagnosticReport;
    assert.deepEqual(full.items.map((d) => d.code), ['test-flag']);
    const again = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri }, previousResultId: full.resultId });
    assert.equal(again.kind, 'unchanged');
    await client.change(uri, 2, [{ range: { start: { line: 1, character: 8 }, end: { line: 1, character: 15 } }, text: 'x' }]);
    const third = (await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri }, previousResultId: full.resultId })) as FullDocumentDiagnosticReport;
    assert.equal(third.kind, 'full');
    assert.equal(third.items.length, 0);
    assert.equal(client.published(uri).filter((p) => p.diagnostics.length > 0).length, 0, 'open documents are not pushed in pull mode');
  } finally {
    assert.equal(await client.stop(), 0);
  }
});

test('the seed example: a std Mutex guard held across .await is flagged, drop(guard) before the await is not', async () => {
  const client = await LspClient.start({ settings: { workspaceScan: false, debounceMs: 10 } });
  try {
    const text = SEED_EXAMPLE + ['async fn handle_ok(state: Arc<Mutex<State>>) {', '    let guard = state.lock().unwrap();', '    drop(guard);', '    process_async().await;', '}', ''].join('\n');
    const uri = 'untitled:seed';
    await client.open(uri, text, 1);
    const published = await client.waitForDiagnostics(uri, () => true, 1);
    const locks = published.diagnostics.filter((d) => d.code === 'lock-across-await');
    assert.equal(locks.length, 1, JSON.stringify(published.diagnostics));
    assert.equal(locks[0].severity, 2);
    assert.equal(locks[0].range.start.line, 4);
    assert.ok((locks[0].relatedInformation ?? []).some((r) => r.location.range.start.line === 5), 'the await point is related information');
    const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: locks[0].range.start });
    assert.match(JSON.stringify(hover.contents), /lock-across-await/);
  } finally {
    assert.equal(await client.stop(), 0);
  }
});

test('files over the size limit, binary text and deep nesting: a clear skip message or findings, never a crash', async () => {
  const client = await LspClient.start({ testRules: true, settings: { workspaceScan: false, debounceMs: 10, maxFileSize: 2048 } });
  try {
    await client.open('untitled:big', `// ${'x'.repeat(4000)}\n${SOURCE}`, 1);
    const big = await client.waitForDiagnostics('untitled:big', () => true, 1);
    assert.equal(big.diagnostics.length, 1);
    assert.match(messageText(big.diagnostics[0]), /size limit/);
    await client.open('untitled:binary', 'fn main() {}\u0000\u0001', 1);
    const binary = await client.waitForDiagnostics('untitled:binary', () => true, 1);
    assert.match(messageText(binary.diagnostics[0]), /binary/);
    const nestedText = (depth: number) => `fn main() { let FLAG_ME = ${'('.repeat(depth)}1${')'.repeat(depth)}; }\n`;
    await client.open('untitled:nested', nestedText(100), 1);
    const nested = await client.waitForDiagnostics('untitled:nested', () => true, 1);
    assert.equal(nested.diagnostics.filter((d) => d.code === 'test-flag').length, 1);
    // 10,000 levels: the engine may decline to analyse it, but the server answers and stays up.
    await client.open('untitled:deep', nestedText(10_000), 1);
    await client.waitForDiagnostics('untitled:deep', () => true, 1);
    await client.request('textDocument/hover', { textDocument: { uri: 'untitled:deep' }, position: { line: 0, character: 20 } });
  } finally {
    assert.equal(await client.stop(), 0);
  }
});

test('a client without workspace/configuration: settings from initializationOptions and pushed didChangeConfiguration', async () => {
  const client = await LspClient.start({
    testRules: true,
    capabilities: { workspace: { configuration: false, didChangeConfiguration: { dynamicRegistration: false } } },
    initializationOptions: { blindspot: { workspaceScan: false, debounceMs: 10, rules: { 'test-flag': 'error' } } },
  });
  try {
    const uri = 'untitled:pushed-settings';
    await client.open(uri, SOURCE, 1);
    const first = await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 1, 1);
    assert.equal(first.diagnostics[0].severity, 1, 'severity from initializationOptions');
    await client.notify('workspace/didChangeConfiguration', { settings: { blindspot: { workspaceScan: false, rules: { 'test-flag': 'off' } } } });
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
    // A notification without our section changes nothing.
    await client.notify('workspace/didChangeConfiguration', { settings: { other: 1 } });
    const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 9 } });
    assert.equal(hover, null, 'still off');
  } finally {
    assert.equal(await client.stop(), 0);
  }
});
