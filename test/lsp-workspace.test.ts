// The workspace scan over a real folder: work-done progress, .gitignore and target/ skipped, findings of
// closed files published, file-watch events, a file deleted while it is scanned, cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { fileUri, LspClient, SEED_EXAMPLE, tempDir } from './harness/lsp-client';

// The scan runs the registered rules (in worker threads): files carry the seed bug, one lock-across-await each.
const FLAGGED = SEED_EXAMPLE;
const RULE = 'lock-across-await';
/** A second function with the same bug, for a buffer that differs from the disk. */
const ONE_MORE = 'async fn two(state: Arc<Mutex<State>>) {\n    let g = state.lock().unwrap();\n    process_async().await;\n    drop(g);\n}\n';
const CLEAN = 'fn helper() {}\n';

function write(root: string, rel: string, text: string): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function makeCrate(): string {
  const root = tempDir();
  write(root, 'Cargo.toml', '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n');
  write(root, '.gitignore', 'generated/\n');
  write(root, 'src/main.rs', FLAGGED);
  write(root, 'src/clean.rs', CLEAN);
  write(root, 'target/debug/build/out.rs', FLAGGED);
  write(root, 'generated/gen.rs', FLAGGED);
  fs.symlinkSync(path.join(root, 'does-not-exist.rs'), path.join(root, 'src', 'dangling.rs'));
  return root;
}

/** A crate with lock-order's cross-file inversion: store.rs and compactor.rs take two locks in opposite orders. */
function crossFileLockCrate(): string {
  const root = tempDir();
  write(root, 'Cargo.toml', '[package]\nname = "locks"\nversion = "0.1.0"\nedition = "2021"\n');
  const fixture = path.join(__dirname, 'fixtures', 'lock-order', 'flagged_across_files');
  for (const name of ['lib.rs', 'store.rs', 'compactor.rs']) write(root, `src/${name}`, fs.readFileSync(path.join(fixture, name), 'utf8'));
  return root;
}

const scanEnded = (client: LspClient, after = 0) => () => client.progress.slice(after).find((p) => p.value.kind === 'end');
const flaggedIn = (client: LspClient, file: string) => client.latest(fileUri(file))?.diagnostics.filter((d) => d.code === RULE).length ?? 0;

test('initial scan: progress, closed files published, target/ and .gitignore respected, dangling link survived', async () => {
  const root = makeCrate();
  const client = await LspClient.start({ root, testRules: true, settings: { workspaceScan: true } });
  try {
    await client.waitFor('scan end', scanEnded(client));
    const kinds = client.progress.map((p) => p.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.equal(client.progress[0].value.cancellable, true);
    assert.ok(kinds.includes('report'));
    assert.equal(flaggedIn(client, path.join(root, 'src/main.rs')), 1);
    const published = new Set(client.diagnostics.map((d) => d.uri));
    assert.ok(!published.has(fileUri(path.join(root, 'target/debug/build/out.rs'))), 'target/ is skipped');
    assert.ok(!published.has(fileUri(path.join(root, 'generated/gen.rs'))), '.gitignore is respected');
    await client.waitFor('status: scan done, findings counted', () => {
      const last = client.notifications.filter((n) => n.method === 'blindspot/status').at(-1)?.params as { findings: number; scanning: boolean } | undefined;
      return last && !last.scanning && last.findings === 1;
    });
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('file events: created and changed files re-checked, deleted ones cleared; open/close switches to the buffer and back', async () => {
  const root = makeCrate();
  const client = await LspClient.start({ root, testRules: true, settings: { workspaceScan: true, debounceMs: 10 } });
  try {
    await client.waitFor('scan end', scanEnded(client));
    assert.ok(client.registrations.includes('workspace/didChangeWatchedFiles'), 'the server asks to watch .rs files');
    const added = write(root, 'src/added.rs', FLAGGED);
    await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(added), type: 1 }] });
    await client.waitFor('added.rs published', () => flaggedIn(client, added) === 1);

    const main = path.join(root, 'src/main.rs');
    fs.writeFileSync(main, CLEAN);
    await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(main), type: 2 }] });
    await client.waitFor('main.rs cleared', () => client.latest(fileUri(main))?.diagnostics.length === 0);

    fs.unlinkSync(added);
    await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(added), type: 3 }] });
    await client.waitFor('added.rs cleared', () => client.latest(fileUri(added))?.diagnostics.length === 0);

    // Open main.rs with unsaved text that flags twice; closing it goes back to the disk (clean).
    const uri = fileUri(main);
    await client.open(uri, FLAGGED + ONE_MORE, 1);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 2, 1);
    await client.close(uri);
    await client.waitFor('back to disk', () => client.latest(uri)?.version === undefined && client.latest(uri)?.diagnostics.length === 0);

    // Build output and ignored folders stay out, even when the watcher reports them.
    const generated = write(root, 'target/debug/build/gen/out.rs', FLAGGED);
    const ignoredFile = write(root, 'generated/new.rs', FLAGGED);
    const sub = write(root, 'src/sub/inner.rs', FLAGGED);
    await client.notify('workspace/didChangeWatchedFiles', { changes: [generated, ignoredFile, sub].map((f) => ({ uri: fileUri(f), type: 1 })) });
    await client.waitFor('sub/inner.rs published', () => flaggedIn(client, sub) === 1);
    assert.equal(client.latest(fileUri(generated)), undefined, 'target/ is not checked');
    assert.equal(client.latest(fileUri(ignoredFile)), undefined, 'gitignored files are not checked');
    // A folder deleted at once: one event for the folder clears what was inside.
    fs.rmSync(path.dirname(sub), { recursive: true });
    await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.dirname(sub)), type: 3 }] });
    await client.waitFor('sub/inner.rs cleared', () => client.latest(fileUri(sub))?.diagnostics.length === 0);

    // A file outside the workspace: its diagnostics go when it is closed.
    const outside = tempDir();
    const stray = write(outside, 'stray.rs', FLAGGED);
    await client.open(fileUri(stray), FLAGGED, 1);
    await client.waitForDiagnostics(fileUri(stray), (p) => p.diagnostics.length === 1, 1);
    await client.close(fileUri(stray));
    await client.waitFor('stray.rs cleared', () => client.latest(fileUri(stray))?.diagnostics.length === 0);
    fs.rmSync(outside, { recursive: true, force: true });

    // A saved Cargo.toml (edition, dependencies) rescans the closed files.
    const scans = client.progress.filter((p) => p.value.kind === 'end').length;
    fs.appendFileSync(path.join(root, 'Cargo.toml'), '\n[dependencies]\ntokio = "1"\n');
    await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(root, 'Cargo.toml')), type: 2 }] });
    await client.waitFor('rescan after Cargo.toml', () => client.progress.filter((p) => p.value.kind === 'end').length > scans);

    const outcome = await client.request<{ files: number; checked: number; cancelled: boolean }>('workspace/executeCommand', { command: 'blindspot.rescanWorkspace', arguments: [] });
    assert.deepEqual(outcome, { files: 3, checked: 2, cancelled: false }, 'main.rs, clean.rs and the dangling link are listed; two can be read');
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('turning the workspace scan off clears findings of closed files', async () => {
  const root = makeCrate();
  const client = await LspClient.start({ root, testRules: true, settings: { workspaceScan: true } });
  try {
    const main = path.join(root, 'src/main.rs');
    await client.waitFor('scan end', scanEnded(client));
    assert.equal(flaggedIn(client, main), 1);
    client.settings = { workspaceScan: false };
    await client.notify('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor('main.rs cleared', () => client.latest(fileUri(main))?.diagnostics.length === 0);
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a file deleted while the scan runs: no crash, no findings left for it', async () => {
  const root = tempDir();
  const files = Array.from({ length: 120 }, (_, i) => write(root, `src/f${String(i).padStart(3, '0')}.rs`, FLAGGED));
  const victim = files[files.length - 1];
  let deleted = false;
  const client = await LspClient.start({ root, testRules: true, settings: { workspaceScan: true } });
  try {
    await client.waitFor('first report', () => client.progress.find((p) => p.value.kind === 'report'));
    fs.unlinkSync(victim);
    deleted = true;
    await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(victim), type: 3 }] });
    await client.waitFor('scan end', scanEnded(client));
    // The server still answers, and the deleted file shows nothing (never published, or cleared).
    await client.request('workspace/executeCommand', { command: 'blindspot.showRuleDocs', arguments: [RULE] });
    await client.waitFor('victim has no findings', () => (client.latest(fileUri(victim))?.diagnostics.length ?? 0) === 0 || undefined);
    assert.equal(flaggedIn(client, files[0]), 1);
  } finally {
    assert.ok(deleted);
    assert.equal(await client.stop(), 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('cancelling the scan from the client stops it early', async () => {
  const root = tempDir();
  // Enough work (400 files of ~300 lines) that the scan is still running when the cancellation arrives.
  const count = 400;
  const big = Array.from({ length: 30 }, (_, k) => ONE_MORE.replace('two', `two_${k}`)).join('\n');
  for (let i = 0; i < count; i++) write(root, `src/f${String(i).padStart(3, '0')}.rs`, FLAGGED + big);
  const client = await LspClient.start({ root, testRules: true, settings: { workspaceScan: true } });
  try {
    const first = await client.waitFor('first report', () => client.progress.find((p) => p.value.kind === 'report'));
    await client.notify('window/workDoneProgress/cancel', { token: first.token });
    await client.waitFor('scan end', scanEnded(client));
    const messages = client.progress.filter((p) => p.token === first.token).map((p) => p.value.message ?? '');
    assert.ok(messages.some((m) => m.startsWith('cancelled')), `last messages: ${messages.slice(-3).join(' | ')}`);
    const published = new Set(client.diagnostics.map((d) => d.uri));
    assert.ok(published.size < count, `${published.size} of ${count} files published`);
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('cross-file facts: a field type changed in another file (on disk or in an open buffer) re-analyses open documents', async () => {
  const root = tempDir();
  write(root, 'Cargo.toml', '[package]\nname = "xf"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\ntokio = "1"\nparking_lot = "0.12"\n');
  const state = write(root, 'src/state.rs', 'pub struct AppState { pub data: tokio::sync::Mutex<u32> }\n');
  const handlerText = 'use crate::state::AppState;\nasync fn x() {}\nasync fn h(s: &AppState) {\n    let g = s.data.lock();\n    x().await;\n    drop(g);\n}\n';
  const handler = write(root, 'src/handler.rs', handlerText);
  const client = await LspClient.start({ root, settings: { workspaceScan: true, debounceMs: 10 } });
  const locks = () => client.latest(fileUri(handler))?.diagnostics.filter((d) => d.code === 'lock-across-await') ?? [];
  try {
    await client.waitFor('scan end', scanEnded(client));
    await client.open(fileUri(handler), handlerText, 1);
    await client.waitForDiagnostics(fileUri(handler), () => true, 1);
    assert.equal(locks().length, 0, 'a tokio guard may cross an await');

    fs.writeFileSync(state, 'pub struct AppState { pub data: parking_lot::Mutex<u32> }\n');
    await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(state), type: 2 }] });
    await client.waitFor('parking_lot guard flagged', () => locks().length === 1);

    // Back to tokio, this time in an unsaved buffer of state.rs.
    const stateUri = fileUri(state);
    await client.open(stateUri, 'pub struct AppState { pub data: parking_lot::Mutex<u32> }\n', 1);
    await client.change(stateUri, 2, [{ range: { start: { line: 0, character: 32 }, end: { line: 0, character: 43 } }, text: 'tokio::sync' }]);
    await client.waitFor('flag gone after the buffer edit', () => locks().length === 0);
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('workspace folders added and removed: the scan follows', async () => {
  const first = makeCrate();
  const second = tempDir();
  const added = write(second, 'src/lib.rs', FLAGGED);
  const client = await LspClient.start({ root: first, testRules: true, settings: { workspaceScan: true } });
  try {
    await client.waitFor('first scan', scanEnded(client));
    const before = client.progress.length;
    await client.notify('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: fileUri(second), name: 'second' }], removed: [] } });
    await client.waitFor('second scan', scanEnded(client, before));
    assert.equal(flaggedIn(client, added), 1);
    assert.equal(flaggedIn(client, path.join(first, 'src/main.rs')), 1);
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(first, { recursive: true, force: true });
    fs.rmSync(second, { recursive: true, force: true });
  }
});

test('typing in an open file moves, then drops, a closed file\'s finding that points into it, before any save', async () => {
  const root = crossFileLockCrate();
  const client = await LspClient.start({ root, settings: { workspaceScan: true, debounceMs: 10 } });
  try {
    await client.waitFor('scan end', scanEnded(client));
    const store = fileUri(path.join(root, 'src/store.rs'));
    const compactorPath = path.join(root, 'src/compactor.rs');
    const compactor = fileUri(compactorPath);
    const inversion = () => client.latest(store)?.diagnostics.find((d) => d.code === 'lock-order');
    const relatedLine = () => inversion()?.relatedInformation?.find((r) => r.location.uri === compactor)?.location.range.start.line;
    await client.waitFor('store.rs flagged, pointing into compactor.rs', () => relatedLine() !== undefined);
    const line = relatedLine()!;
    const text = fs.readFileSync(compactorPath, 'utf8');
    await client.open(compactor, text, 1);
    await client.waitForDiagnostics(compactor, () => true, 1);
    const publishedBefore = client.diagnostics.length;

    // Two lines typed at the top of the open compactor.rs: the closed store.rs now points two lines further down.
    await client.change(compactor, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n\n' }]);
    await client.waitFor('store.rs follows the edit', () => relatedLine() === line + 2);
    assert.ok(client.diagnostics.length > publishedBefore);

    // The compactor no longer takes the data lock: the inversion goes from the closed file too.
    const dataLine = text.split('\n').findIndex((l) => l.includes('store.data.lock()')) + 2;
    const end = text.split('\n')[dataLine - 2].length;
    await client.change(compactor, 3, [{ range: { start: { line: dataLine, character: 0 }, end: { line: dataLine, character: end } }, text: '    let mut data: Vec<Vec<u8>> = Vec::new();' }]);
    await client.waitFor('store.rs no longer flagged', () => client.latest(store) !== undefined && inversion() === undefined);
    assert.equal(fs.readFileSync(compactorPath, 'utf8'), text, 'nothing was saved');
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('turning the workspace scan off while a closed file waits to be re-checked: it stays cleared', async () => {
  const root = crossFileLockCrate();
  const settings = { workspaceScan: true, debounceMs: 400 };
  const client = await LspClient.start({ root, settings });
  try {
    await client.waitFor('scan end', scanEnded(client));
    const store = fileUri(path.join(root, 'src/store.rs'));
    const compactorPath = path.join(root, 'src/compactor.rs');
    const compactor = fileUri(compactorPath);
    await client.waitFor('store.rs flagged', () => !!client.latest(store)?.diagnostics.some((d) => d.code === 'lock-order'));
    await client.open(compactor, fs.readFileSync(compactorPath, 'utf8'), 1);
    await client.waitForDiagnostics(compactor, () => true, 1);
    // The edit schedules a re-check of store.rs (400 ms); the scan is turned off before it runs.
    await client.change(compactor, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n\n' }]);
    await client.waitForDiagnostics(compactor, () => true, 2);
    client.settings = { ...settings, workspaceScan: false };
    await client.notify('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor('store.rs cleared', () => client.latest(store)?.diagnostics.length === 0);
    const cleared = client.published(store).length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(client.published(store).slice(cleared).filter((p) => p.diagnostics.length), []);
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});
