// Cross-file diagnostics stay current: when one open file (A) changes, the other open documents whose findings
// point into A (related locations, or workspace findings caused by A) are re-published without being touched,
// and documents that do not depend on A are not re-analysed. The server runs in-process over LSP messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import { createConnection } from 'vscode-languageserver/node';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { BlindspotServer } from '../server/src/lsp/server';
import type { CrateInfo } from '../server/src/engine/crate';
import type { CodeAction, Diagnostic as LspDiagnostic, DocumentDiagnosticReport, FullDocumentDiagnosticReport } from 'vscode-languageserver-protocol';
import { applyTextEdits, defaultCapabilities, editsFor, fileUri } from './harness/lsp-client';

const RC_CASE = path.join(__dirname, 'fixtures', 'rc-cycle', 'multi_file_parent_child');
const LOCK_CASE = path.join(__dirname, 'fixtures', 'lock-order', 'flagged_across_files');
/** A file that depends on nothing else: it must not be re-analysed when another file changes. */
const UNRELATED = 'pub fn unrelated(v: &mut Vec<u8>) {\n    v.push(1);\n}\n';

/** The server in this process, a client talking to it over in-memory streams, and how often each file was analysed. */
class InProcess {
  readonly published: PublishDiagnosticsParams[] = [];
  readonly analyses = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private versions = new Map<string, number>();

  private constructor(readonly client: ProtocolConnection, readonly server: BlindspotServer, private readonly streams: PassThrough[]) {}

  static async start({ pull = false, debounceMs = 10 } = {}): Promise<InProcess> {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
    const server = new BlindspotServer(serverConnection);
    const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    const me = new InProcess(client, server, [toServer, toClient]);
    me.countAnalyses();
    client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      me.published.push(p);
      for (const wake of me.waiters.splice(0)) wake();
    });
    client.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({ debounceMs, workspaceScan: false })));
    client.onRequest('window/workDoneProgress/create', () => null);
    client.onRequest('client/registerCapability', () => null);
    client.onRequest('workspace/diagnostic/refresh', () => null);
    server.listen();
    client.listen();
    const capabilities = pull ? { ...defaultCapabilities, textDocument: { ...defaultCapabilities.textDocument, diagnostic: { dynamicRegistration: false } } } : defaultCapabilities;
    // No processId: the server would watch that process with an interval timer, keeping the test alive.
    await client.sendRequest('initialize', { processId: null, rootUri: null, workspaceFolders: null, capabilities });
    await client.sendNotification('initialized', {});
    return me;
  }

  /** Every EngineDocument the server opens counts its analyses, by path. */
  private countAnalyses(): void {
    const engine = this.server.engine;
    const open = engine.openDocument.bind(engine);
    engine.openDocument = (filePath: string, text: string, crate?: CrateInfo) => {
      const doc = open(filePath, text, crate);
      const analyze = doc.analyze.bind(doc);
      doc.analyze = () => {
        this.analyses.set(filePath, (this.analyses.get(filePath) ?? 0) + 1);
        return analyze();
      };
      return doc;
    };
  }

  async open(file: string, text: string): Promise<void> {
    this.versions.set(file, 1);
    await this.client.sendNotification('textDocument/didOpen', { textDocument: { uri: fileUri(file), languageId: 'rust', version: 1, text } });
  }

  /** Sends one change and returns the new version. */
  async change(file: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(file) ?? 1) + 1;
    this.versions.set(file, version);
    await this.client.sendNotification('textDocument/didChange', { textDocument: { uri: fileUri(file), version }, contentChanges: changes });
    return version;
  }

  async close(file: string): Promise<void> {
    await this.client.sendNotification('textDocument/didClose', { textDocument: { uri: fileUri(file) } });
  }

  latest(file: string): PublishDiagnosticsParams | undefined {
    return this.published.filter((p) => p.uri === fileUri(file)).at(-1);
  }

  /** The predicate's first truthy value, re-checked on every publish (and every 50 ms). */
  async waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last publishes:\n${JSON.stringify(this.published.slice(-4), null, 1)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until nothing has been published for `quietMs` (debounced work has run). */
  async settle(quietMs = 250): Promise<void> {
    let count = -1;
    while (count !== this.published.length) {
      count = this.published.length;
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.client.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    await this.client.sendRequest('shutdown');
    this.client.dispose();
    for (const stream of this.streams) stream.end();
  }
}

function copyCase(from: string): { dir: string; file: (name: string) => string; text: (name: string) => string } {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'blindspot-cross-'));
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(dir, f));
  return { dir, file: (n) => path.join(dir, n), text: (n) => fs.readFileSync(path.join(dir, n), 'utf8') };
}

/** The related locations of one rule's diagnostics that point into `uri`, as "line:character-line:character". */
function relatedInto(diagnostics: Diagnostic[], rule: string, uri: string): string[] {
  return diagnostics
    .filter((d) => d.code === rule)
    .flatMap((d) => d.relatedInformation ?? [])
    .filter((r) => r.location.uri === uri)
    .map((r) => `${r.location.range.start.line}:${r.location.range.start.character}-${r.location.range.end.line}:${r.location.range.end.character}`)
    .sort();
}

function shifted(ranges: string[], lines: number): string[] {
  return ranges.map((r) => r.replace(/(\d+):(\d+)-(\d+):(\d+)/, (_, a, b, c, d) => `${Number(a) + lines}:${b}-${Number(c) + lines}:${d}`)).sort();
}

const atTop = (text: string): TextDocumentContentChangeEvent => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text });

/** The LSP range of the first occurrence of `needle` in `text`. */
function rangeOf(text: string, needle: string): { start: { line: number; character: number }; end: { line: number; character: number } } {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not found`);
  const pos = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before.at(-1)!.length };
  };
  return { start: pos(at), end: pos(at + needle.length) };
}

test('rc-cycle across two open files: lines inserted in A move B\'s related ranges; a Weak field in A clears B', async () => {
  const c = copyCase(RC_CASE);
  const lsp = await InProcess.start();
  try {
    const parent = c.file('parent.rs');
    const child = c.file('child.rs');
    const other = c.file('other.rs');
    await lsp.open(parent, c.text('parent.rs'));
    await lsp.open(child, c.text('child.rs'));
    await lsp.open(other, UNRELATED);
    const first = await lsp.waitFor('the cycle in child.rs', () => {
      const ranges = relatedInto(lsp.latest(child)?.diagnostics ?? [], 'rc-cycle', fileUri(parent));
      return ranges.length ? ranges : undefined;
    });
    await lsp.settle();
    const childPublishes = lsp.published.filter((p) => p.uri === fileUri(child)).length;
    const otherAnalyses = lsp.analyses.get(other);

    // (a) three lines at the top of parent.rs: child.rs's related ranges into it follow.
    await lsp.change(parent, [atTop('// one\n// two\n// three\n')]);
    await lsp.waitFor('child.rs re-published with moved related ranges', () => {
      const now = relatedInto(lsp.latest(child)?.diagnostics ?? [], 'rc-cycle', fileUri(parent));
      return JSON.stringify(now) === JSON.stringify(shifted(first, 3));
    });
    assert.equal(lsp.latest(child)!.version, 1, 'child.rs was not edited');
    await lsp.settle();
    assert.equal(lsp.analyses.get(other), otherAnalyses, 'a file that depends on nothing is not re-analysed');
    assert.ok(lsp.published.filter((p) => p.uri === fileUri(child)).length > childPublishes);

    // (b) the owning edge becomes Weak: the cycle is gone, child.rs's finding too, child.rs untouched.
    const text = c.text('parent.rs');
    await lsp.change(parent, [{ range: shiftedRange(rangeOf(text, 'RefCell<Vec<Rc<Child>>>'), 3), text: 'RefCell<Vec<std::rc::Weak<Child>>>' }]);
    await lsp.waitFor('the cycle gone from child.rs', () => {
      const last = lsp.latest(child);
      return last && !last.diagnostics.some((d) => d.code === 'rc-cycle');
    });
  } finally {
    await lsp.stop();
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
});

function shiftedRange(r: ReturnType<typeof rangeOf>, lines: number): ReturnType<typeof rangeOf> {
  return { start: { ...r.start, line: r.start.line + lines }, end: { ...r.end, line: r.end.line + lines } };
}

test('lock-order across two open files: edits in A (top of file, inside a body) move B\'s related ranges; fixing A clears B', async () => {
  const c = copyCase(LOCK_CASE);
  const lsp = await InProcess.start();
  try {
    const store = c.file('store.rs');
    const compactor = c.file('compactor.rs');
    await lsp.open(store, c.text('store.rs'));
    await lsp.open(compactor, c.text('compactor.rs'));
    const first = await lsp.waitFor('the inversion in compactor.rs', () => {
      const ranges = relatedInto(lsp.latest(compactor)?.diagnostics ?? [], 'lock-order', fileUri(store));
      return ranges.length ? ranges : undefined;
    });
    await lsp.settle();

    // Two lines at the top of store.rs (a whole-file analysis).
    await lsp.change(store, [atTop('// a\n// b\n')]);
    await lsp.waitFor('compactor.rs related ranges moved by 2 lines', () =>
      JSON.stringify(relatedInto(lsp.latest(compactor)?.diagnostics ?? [], 'lock-order', fileUri(store))) === JSON.stringify(shifted(first, 2)));
    await lsp.settle();

    // A line typed inside insert(), above both acquisitions (the typing fast path).
    const body = rangeOf(c.text('store.rs'), '        let mut index = self.index.lock().unwrap();');
    await lsp.change(store, [{ range: shiftedRange({ start: body.start, end: body.start }, 2), text: '        let _ignored = 1;\n' }]);
    await lsp.waitFor('compactor.rs related ranges moved by 3 lines', () =>
      JSON.stringify(relatedInto(lsp.latest(compactor)?.diagnostics ?? [], 'lock-order', fileUri(store))) === JSON.stringify(shifted(first, 3)));
    assert.equal(lsp.latest(compactor)!.version, 1);

    // store.rs takes the locks in compactor.rs's order: no inversion left, in either file.
    const fixed = ['// a', '// b', ...c.text('store.rs').replace('let mut index = self.index.lock().unwrap();\n        let mut data = self.data.lock().unwrap();', 'let mut data = self.data.lock().unwrap();\n        let mut index = self.index.lock().unwrap();').split('\n')].join('\n');
    await lsp.change(store, [{ text: fixed }]);
    await lsp.waitFor('no lock-order in compactor.rs', () => {
      const last = lsp.latest(compactor);
      return last && !last.diagnostics.some((d) => d.code === 'lock-order');
    });
  } finally {
    await lsp.stop();
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
});

/** The text `file` becomes when the "Downgrade to Weak" fix offered on `diagnostic` (in `on`) is applied to `text`. */
async function weakFixApplied(lsp: InProcess, on: string, diagnostic: LspDiagnostic, file: string, text: string): Promise<string> {
  const actions = await lsp.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: fileUri(on) }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
  const weak = actions.find((a) => a.title.startsWith('Downgrade to Weak'));
  assert.ok(weak?.edit, `no Weak fix among ${actions.map((a) => a.title).join(', ')}`);
  const edits = editsFor(weak.edit, fileUri(file));
  assert.ok(edits.length, 'the fix edits the other file');
  return applyTextEdits(text, edits);
}

test('another file\'s edits not analysed yet: code actions analyse it first; a push waits for it', async () => {
  const c = copyCase(RC_CASE);
  const lsp = await InProcess.start({ debounceMs: 300 });
  try {
    const parent = c.file('parent.rs');
    const child = c.file('child.rs');
    const original = c.text('parent.rs');
    await lsp.open(parent, original);
    await lsp.open(child, c.text('child.rs'));
    const first = await lsp.waitFor('the cycle in child.rs', () => {
      const ranges = relatedInto(lsp.latest(child)?.diagnostics ?? [], 'rc-cycle', fileUri(parent));
      return ranges.length ? ranges : undefined;
    });
    await lsp.settle(400);
    const diagnostic = lsp.latest(child)!.diagnostics.find((d) => d.code === 'rc-cycle')!;
    const fixed = await weakFixApplied(lsp, child, diagnostic, parent, original);

    // Three lines on top of parent.rs, and at once (within the debounce) a code action in child.rs: its edits
    // into parent.rs are placed in the new text.
    const prefix = '// one\n// two\n// three\n';
    await lsp.change(parent, [atTop(prefix)]);
    assert.equal(await weakFixApplied(lsp, child, diagnostic, parent, prefix + original), prefix + fixed);
    await lsp.waitFor('child.rs re-published, moved by 3 lines', () => JSON.stringify(relatedInto(lsp.latest(child)?.diagnostics ?? [], 'rc-cycle', fileUri(parent))) === JSON.stringify(shifted(first, 3)));
    await lsp.settle(400);

    // child.rs edited, then parent.rs: child.rs's analysis comes first, while parent.rs's edit is not analysed.
    // Its push waits for parent.rs: no publish places parent.rs's old offsets in its new lines.
    const since = lsp.published.length;
    await lsp.change(child, [{ range: { start: { line: 16, character: 0 }, end: { line: 16, character: 0 } }, text: '// end\n' }]);
    await lsp.change(parent, [atTop('// four\n')]);
    await lsp.waitFor('child.rs v2 with ranges moved by 4 lines', () => {
      const last = lsp.latest(child);
      return last?.version === 2 && JSON.stringify(relatedInto(last.diagnostics, 'rc-cycle', fileUri(parent))) === JSON.stringify(shifted(first, 4));
    });
    await lsp.settle(400);
    for (const p of lsp.published.slice(since).filter((p) => p.uri === fileUri(child))) {
      assert.deepEqual(relatedInto(p.diagnostics, 'rc-cycle', fileUri(parent)), shifted(first, 4), `v${p.version} published with related ranges from another text of parent.rs`);
    }

    // child.rs closed: cleared, and never published again while parent.rs changes.
    await lsp.close(child);
    await lsp.waitFor('child.rs cleared', () => lsp.latest(child)?.diagnostics.length === 0);
    const afterClose = lsp.published.length;
    await lsp.change(parent, [atTop('// five\n')]);
    await lsp.waitFor('parent.rs v4 published', () => lsp.latest(parent)?.version === 4);
    await lsp.settle(400);
    assert.deepEqual(lsp.published.slice(afterClose).filter((p) => p.uri === fileUri(child)), []);
  } finally {
    await lsp.stop();
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
});

test('pull diagnostics: a pull right after another file\'s edit sees the moved related ranges; closing A clears B\'s cycle', async () => {
  const c = copyCase(RC_CASE);
  const lsp = await InProcess.start({ pull: true, debounceMs: 300 });
  try {
    const parent = c.file('parent.rs');
    const child = c.file('child.rs');
    await lsp.open(parent, c.text('parent.rs'));
    await lsp.open(child, c.text('child.rs'));
    const pull = () => lsp.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: fileUri(child) } }) as Promise<FullDocumentDiagnosticReport>;
    await new Promise((r) => setTimeout(r, 100)); // both opened and analysed (their first analysis is not debounced)
    const before = await pull();
    const first = relatedInto(before.items, 'rc-cycle', fileUri(parent));
    assert.ok(first.length, 'the cycle is pulled with related ranges into parent.rs');
    await lsp.change(parent, [atTop('// one\n// two\n')]);
    const after = await pull();
    assert.deepEqual(relatedInto(after.items, 'rc-cycle', fileUri(parent)), shifted(first, 2));
    assert.notEqual(after.resultId, before.resultId);
    await lsp.close(parent);
    await new Promise((r) => setTimeout(r, 100));
    const closed = await pull();
    assert.ok(!closed.items.some((d) => d.code === 'rc-cycle'), 'parent.rs closed without a scan: its facts are dropped, the cycle too');
    assert.equal(lsp.published.filter((p) => p.uri === fileUri(child) && p.diagnostics.length).length, 0, 'nothing pushed in pull mode');
  } finally {
    await lsp.stop();
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
});
