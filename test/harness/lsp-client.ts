// Drives the real bundled server (dist/server.js) over stdio, the way an editor does: a JSON-RPC
// connection, answers to the server's own requests (configuration, progress creation, registrations),
// and everything the server sends kept for assertions.
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';

export const SERVER = path.join(__dirname, '..', '..', 'dist', 'server.js');

/** The seed article's bug: a std Mutex guard held across an await (line 4 flagged, the await on line 5). */
export const SEED_EXAMPLE = [
  'use std::sync::{Arc, Mutex};',
  'struct State;',
  'async fn process_async() {}',
  'async fn handle_data(state: Arc<Mutex<State>>) {',
  '    let guard = state.lock().unwrap();',
  '    process_async().await;',
  '    drop(guard);',
  '}',
  '',
].join('\n');

export interface ProgressEvent {
  token: string | number;
  value: { kind: 'begin' | 'report' | 'end'; title?: string; message?: string; percentage?: number; cancellable?: boolean };
}

export interface StartOptions {
  /** Workspace folder; none when omitted. */
  root?: string;
  /** The `blindspot` section answered to workspace/configuration. */
  settings?: Record<string, unknown>;
  /** Capabilities merged over the defaults (push diagnostics, progress, configuration, documentChanges). */
  capabilities?: ClientCapabilities;
  /** Extra test rules (see TEST_RULES_SOURCE), loaded through BLINDSPOT_TEST_RULES. */
  testRules?: boolean;
  /** Sent as initialize's initializationOptions. */
  initializationOptions?: unknown;
  /** Called when the server asks to create a progress token, before the answer is sent. */
  onProgressCreate?: () => void | Promise<void>;
}

export const defaultCapabilities: ClientCapabilities = {
  workspace: {
    configuration: true,
    workspaceFolders: true,
    workspaceEdit: { documentChanges: true },
    didChangeWatchedFiles: { dynamicRegistration: true },
    didChangeConfiguration: { dynamicRegistration: true },
  },
  window: { workDoneProgress: true },
  textDocument: {
    publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } }, isPreferredSupport: true },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    synchronization: { didSave: false },
  },
};

/**
 * Rules for tests only: `test-flag` flags every `FLAG_ME` with a safe, preferred fix renaming it to
 * `FLAGGED`, a second fix, and a note; `test-runs` reports how often each `counted_*` function was
 * analysed (to see the per-function cache at work); `test-throw` throws inside a function named `explode`.
 */
export const TEST_RULES_SOURCE = `
const docs = (summary) => ({ summary, whatItDoes: 'Flags FLAG_ME for tests.', whyBad: 'Tests need something to flag.', example: 'let FLAG_ME = 1;', useInstead: 'let FLAGGED = 1;' });
const runs = new Map();
exports.rules = [
  {
    id: 'test-flag',
    severity: 'warning',
    docs: docs('A FLAG_ME identifier (test rule).'),
    checkFunction(ctx) {
      const text = ctx.fn.text;
      for (let i = text.indexOf('FLAG_ME'); i >= 0; i = text.indexOf('FLAG_ME', i + 1)) {
        const start = ctx.fn.startIndex + i;
        const end = start + 'FLAG_ME'.length;
        ctx.report({
          range: { start, end },
          message: 'FLAG_ME is flagged',
          notes: ['this FLAG_ME sits in fn ' + (ctx.fn.childForFieldName('name')?.text ?? '?')],
          related: [{ path: ctx.file.path, range: { start: ctx.fn.startIndex, end: ctx.fn.startIndex + 2 }, message: 'the function starts here' }],
          fixes: [
            { title: 'Rename to FLAGGED', preferred: true, safe: true, edits: [{ path: ctx.file.path, edits: [{ start, end, newText: 'FLAGGED' }] }] },
            { title: 'Rename to OTHER', edits: [{ path: ctx.file.path, edits: [{ start, end, newText: 'OTHER' }] }] },
          ],
        });
      }
    },
  },
  {
    id: 'test-runs',
    severity: 'hint',
    docs: docs('Counts how often a function is analysed (test rule).'),
    checkFunction(ctx) {
      const name = ctx.fn.childForFieldName('name');
      if (!name || !name.text.startsWith('counted_')) return;
      const n = (runs.get(name.text) ?? 0) + 1;
      runs.set(name.text, n);
      ctx.report({ range: { start: name.startIndex, end: name.endIndex }, message: name.text + ' analysed ' + n + ' time(s)' });
    },
  },
  {
    id: 'test-throw',
    severity: 'warning',
    docs: docs('Throws (test rule).'),
    checkFunction(ctx) {
      if (ctx.fn.childForFieldName('name')?.text === 'explode') throw new Error('test-throw exploded');
    },
  },
];
`;

function merge<T>(base: T, over: unknown): T {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return (over ?? base) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out as T;
}

export function fileUri(p: string): string {
  return pathToFileURL(p).href;
}

/** A temp folder, removed by the caller with `fs.rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = 'blindspot-lsp-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export class LspClient {
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  readonly progress: ProgressEvent[] = [];
  readonly logs: string[] = [];
  readonly notifications: { method: string; params: unknown }[] = [];
  readonly registrations: string[] = [];
  stderr = '';
  settings: Record<string, unknown>;
  exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  private constructor(readonly proc: ChildProcessWithoutNullStreams, readonly conn: ProtocolConnection, private readonly options: StartOptions, private readonly rulesFile?: string) {
    this.settings = options.settings ?? {};
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  static async start(options: StartOptions = {}): Promise<LspClient> {
    let rulesFile: string | undefined;
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (options.testRules) {
      rulesFile = path.join(tempDir('blindspot-rules-'), 'rules.cjs');
      fs.writeFileSync(rulesFile, TEST_RULES_SOURCE);
      env.BLINDSPOT_TEST_RULES = rulesFile;
    }
    // BLINDSPOT_PROF=DIR writes a CPU profile of each server process there (for finding hot spots).
    const profile = process.env.BLINDSPOT_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BLINDSPOT_PROF}`] : [];
    const proc = spawn(process.execPath, [...profile, SERVER, '--stdio'], { env, stdio: 'pipe' });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    const client = new LspClient(proc, conn, options, rulesFile);
    client.wire();
    conn.listen();
    const capabilities = merge(defaultCapabilities, options.capabilities);
    const folders = options.root ? [{ uri: fileUri(options.root), name: path.basename(options.root) }] : null;
    const died = client.exited.then((code) => Promise.reject(new Error(`server exited (${code}) during initialize:\n${client.stderr}`)));
    await Promise.race([died, conn.sendRequest('initialize', { processId: process.pid, rootUri: folders?.[0].uri ?? null, workspaceFolders: folders, capabilities, initializationOptions: options.initializationOptions })]);
    died.catch(() => undefined);
    await conn.sendNotification('initialized', {});
    return client;
  }

  private wire(): void {
    const { conn, proc } = this;
    proc.stderr.on('data', (d) => (this.stderr += String(d)));
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => this.push(this.diagnostics, p));
    conn.onNotification('$/progress', (p: ProgressEvent) => this.push(this.progress, p));
    conn.onNotification('window/logMessage', (p: { message: string }) => this.push(this.logs, p.message));
    for (const method of ['blindspot/status', 'window/showMessage']) conn.onNotification(method, (params: unknown) => this.push(this.notifications, { method, params }));
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map(() => this.settings));
    conn.onRequest('window/workDoneProgress/create', async () => {
      await this.options.onProgressCreate?.();
      return null;
    });
    conn.onRequest('client/registerCapability', (p: { registrations: { method: string }[] }) => {
      for (const r of p.registrations) this.registrations.push(r.method);
      return null;
    });
    conn.onRequest('workspace/diagnostic/refresh', () => {
      this.push(this.notifications, { method: 'workspace/diagnostic/refresh', params: null });
      return null;
    });
    conn.onRequest('window/showDocument', () => ({ success: true }));
  }

  private push<T>(list: T[], item: T): void {
    list.push(item);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves with the predicate's first truthy value, re-checked whenever the server sends something. */
  async waitFor<T>(what: string, predicate: () => T | undefined | false | null, timeoutMs = 15000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; server stderr:\n${this.stderr}\nlogs:\n${this.logs.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  published(uri: string): PublishDiagnosticsParams[] {
    return this.diagnostics.filter((d) => d.uri === uri);
  }

  latest(uri: string): PublishDiagnosticsParams | undefined {
    return this.published(uri).at(-1);
  }

  /** Waits for a publish for `uri` at `version` (any version when omitted) that satisfies `accept`. */
  waitForDiagnostics(uri: string, accept: (p: PublishDiagnosticsParams) => boolean = () => true, version?: number): Promise<PublishDiagnosticsParams> {
    return this.waitFor(`diagnostics for ${uri}${version === undefined ? '' : ` v${version}`}`, () => {
      const last = this.latest(uri);
      return last && (version === undefined || last.version === version) && accept(last) ? last : undefined;
    });
  }

  open(uri: string, text: string, version = 1, languageId = 'rust'): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  change(uri: string, version: number, contentChanges: TextDocumentContentChangeEvent[]): Promise<void> {
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  close(uri: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.conn.sendNotification(method, params);
  }

  /** shutdown + exit, then waits for the process; kills it if it lingers. */
  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null) {
      try {
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
        await this.conn.sendNotification('exit');
      } catch {
        // already gone
      }
    }
    const code = await Promise.race([this.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
    if (code === 'timeout') this.proc.kill('SIGKILL');
    this.conn.dispose();
    if (this.rulesFile) fs.rmSync(path.dirname(this.rulesFile), { recursive: true, force: true });
    return code === 'timeout' ? null : code;
  }
}

/** A diagnostic's message as text (LSP 3.18 allows markup there). */
export function messageText(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

/** Applies LSP text edits (UTF-16 positions) to a text, last first. */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const offset = (p: { line: number; character: number }) => Math.min(text.length, (starts[p.line] ?? text.length) + p.character);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}

/** The edits a WorkspaceEdit makes to one URI, whether it uses `changes` or `documentChanges`. */
export function editsFor(edit: WorkspaceEdit, uri: string): TextEdit[] {
  const fromChanges = edit.changes?.[uri] ?? [];
  const fromDocumentChanges = (edit.documentChanges ?? []).flatMap((c) => ('textDocument' in c && c.textDocument.uri === uri ? (c.edits as TextEdit[]) : []));
  return [...fromChanges, ...fromDocumentChanges];
}
