// Cargo.toml and Cargo.lock in the editor: advisories as diagnostics, unsafe counts as inlay hints at
// the end of each dependency's line, a hover with the details, and "raise to the first patched
// version". The dependency report runs in the background (one per workspace, the previous run
// cancelled), shows advisories as soon as they are matched and the unsafe counts when counted.
import * as path from 'path';
import {
  CodeActionKind,
  DiagnosticSeverity,
  MarkupKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type DidChangeTextDocumentParams,
  type DidOpenTextDocumentParams,
  type Hover,
  type HoverParams,
  type InlayHint,
  type InlayHintParams,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDeps, type DepsReport } from '../engine/deps/report';
import { defaultCargoHome } from '../engine/deps/sources';
import { hoverMarkdown, lockFindings, lockHints, manifestFindings, manifestHints, type Hint } from '../engine/deps/views';
import { diskReader, loadWorkspace, type FileReader } from '../engine/deps/workspace-model';
import type { Finding, Fix, Severity } from '../engine/rule';
import { LineIndex } from '../engine/text';
import { pathToUri, uriToPath } from './uri';

export interface DepsSettings {
  enabled: boolean;
  /** RustSec advisory-db clone; default `$CARGO_HOME/advisory-db`. */
  advisoryDb?: string;
  /** Directory registries (`NAME-VERSION/` folders); default Debian's. */
  registries?: string[];
  cargoHome?: string;
}

/** Reads `blindspot.deps` from the settings section; anything malformed falls back to the default. */
export function parseDepsSettings(section: unknown): DepsSettings {
  const deps = (section as { deps?: Record<string, unknown> } | undefined)?.deps;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const listed = Array.isArray(deps?.registries) ? deps.registries.map(str).filter((r): r is string => !!r) : [];
  // An empty list (the client's default) keeps the default registry (Debian's) rather than none.
  const registries = listed.length > 0 ? listed : undefined;
  return { enabled: deps?.enabled !== false, advisoryDb: str(deps?.advisoryDb), registries, cargoHome: str(deps?.cargoHome) };
}

/** What the features need from the server: publishing, refreshing, progress, logging. */
export interface CargoHost {
  publish(uri: string, diagnostics: Diagnostic[]): void;
  /** Ask the client to re-request inlay hints (and pulled diagnostics). */
  refresh(): void;
  progress?(title: string): Promise<{ report(percentage: number, message: string): void; done(): void; readonly cancelled: boolean } | undefined>;
  log(message: string): void;
}

export function isCargoUri(uri: string): boolean {
  return /(^|[/\\])Cargo\.(toml|lock)$/.test(uriToPath(uri));
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Quiet time after the last edit before the report is rebuilt. */
const RERUN_DELAY_MS = 400;

interface Run {
  controller: AbortController;
  report?: DepsReport;
}

export class CargoTomlFeatures {
  private readonly docs = new Map<string, TextDocument>();
  /** Latest report per workspace root. */
  private readonly reports = new Map<string, DepsReport>();
  private readonly runs = new Map<string, Run>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly pending = new Set<Promise<void>>();
  private settings: DepsSettings = { enabled: true };

  constructor(private readonly host: CargoHost) {}

  configure(section: unknown): void {
    this.settings = parseDepsSettings(section);
    for (const uri of this.docs.keys()) this.schedule(uri, 0);
  }

  // ---- document lifecycle --------------------------------------------------------------------

  open(params: DidOpenTextDocumentParams): void {
    const { uri, languageId, version, text } = params.textDocument;
    this.docs.set(uri, TextDocument.create(uri, languageId, version, text));
    this.schedule(uri, 0);
  }

  change(params: DidChangeTextDocumentParams): void {
    const doc = this.docs.get(params.textDocument.uri);
    if (!doc) return;
    this.docs.set(doc.uri, TextDocument.update(doc, params.contentChanges, params.textDocument.version));
    this.publishDoc(doc.uri);
    this.schedule(doc.uri, RERUN_DELAY_MS);
  }

  close(uri: string): void {
    this.docs.delete(uri);
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.host.publish(uri, []);
    this.forgetUnusedRoots();
  }

  /** Reports and runs of workspaces with no open Cargo file left are dropped: nothing outlives its documents. */
  private forgetUnusedRoots(): void {
    const used = new Set([...this.docs.keys()].map((uri) => this.reportFor(uri)));
    for (const [root, report] of this.reports) {
      if (used.has(report)) continue;
      this.reports.delete(root);
      this.runs.get(root)?.controller.abort();
      this.runs.delete(root);
    }
  }

  /** A Cargo.toml or Cargo.lock changed on disk (`cargo update`): rebuild the reports that read it. */
  fileChanged(filePath: string): void {
    for (const uri of this.docs.keys()) {
      const root = this.reportFor(uri)?.model.root;
      if (!root || filePath.startsWith(root + path.sep)) this.schedule(uri, RERUN_DELAY_MS);
    }
  }

  /** Resolves once no rebuild is scheduled or running (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.timers.size > 0 || this.pending.size > 0) {
      await Promise.all([...this.pending, new Promise((resolve) => setTimeout(resolve, 5))]);
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const run of this.runs.values()) run.controller.abort();
    this.timers.clear();
    this.runs.clear();
    this.docs.clear();
  }

  // ---- requests ------------------------------------------------------------------------------

  diagnostics(uri: string): Diagnostic[] {
    const doc = this.docs.get(uri);
    if (!doc) return [];
    const lines = new LineIndex(doc.getText());
    return this.findings(uri).map((f) => toDiagnostic(f, lines));
  }

  inlayHints(params: InlayHintParams): InlayHint[] {
    const doc = this.docs.get(params.textDocument.uri);
    if (!doc) return [];
    const from = doc.offsetAt(params.range.start);
    const to = doc.offsetAt(params.range.end);
    return this.hints(doc.uri)
      .filter((h) => h.offset >= from && h.offset <= to)
      .map((h) => ({ position: doc.positionAt(h.offset), label: h.label, paddingLeft: true }));
  }

  hover(params: HoverParams): Hover | null {
    const doc = this.docs.get(params.textDocument.uri);
    const report = doc && this.reportFor(doc.uri);
    if (!doc || !report) return null;
    const hint = this.hints(doc.uri).find((h) => doc.positionAt(h.range.start).line === params.position.line);
    if (!hint) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(report, hint.entry) },
      range: { start: doc.positionAt(hint.range.start), end: doc.positionAt(hint.range.end) },
    };
  }

  codeActions(params: CodeActionParams): CodeAction[] {
    const doc = this.docs.get(params.textDocument.uri);
    if (!doc) return [];
    if (params.context.only && !params.context.only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return [];
    const start = doc.offsetAt(params.range.start);
    const end = doc.offsetAt(params.range.end);
    const lines = new LineIndex(doc.getText());
    const actions: CodeAction[] = [];
    for (const f of this.findings(doc.uri)) {
      if (f.range.start > end || f.range.end < start) continue;
      for (const fix of f.fixes) {
        const edit = this.workspaceEdit(fix);
        if (edit) actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [toDiagnostic(f, lines)], isPreferred: fix.preferred, edit });
      }
    }
    return actions;
  }

  // ---- the background report -----------------------------------------------------------------

  private schedule(uri: string, delayMs: number): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(uri, setTimeout(() => {
      this.timers.delete(uri);
      const running = this.rebuild(uri).finally(() => this.pending.delete(running));
      this.pending.add(running);
    }, delayMs));
  }

  private rootOf(uri: string): string {
    return loadWorkspace(uriToPath(uri), this.reader()).root;
  }

  /** Unsaved text of open Cargo files first, the disk otherwise. */
  private reader(): FileReader {
    const open = new Map([...this.docs.values()].map((d) => [uriToPath(d.uri), d.getText()]));
    return (file) => open.get(file) ?? diskReader(file);
  }

  private async rebuild(uri: string): Promise<void> {
    if (!this.docs.has(uri)) return;
    if (!this.settings.enabled) {
      this.host.publish(uri, []);
      return;
    }
    const root = this.rootOf(uri);
    this.runs.get(root)?.controller.abort();
    const run: Run = { controller: new AbortController() };
    this.runs.set(root, run);
    const reporter = await this.host.progress?.('Blindspot: counting unsafe in dependencies').catch(() => undefined);
    try {
      await analyzeDeps(root, {
        cargoHome: this.settings.cargoHome ?? defaultCargoHome(),
        advisoryDb: this.settings.advisoryDb,
        directoryRegistries: this.settings.registries,
        read: this.reader(),
        signal: run.controller.signal,
        onReady: (report) => {
          if (!run.controller.signal.aborted) this.reportReady(root, report);
        },
        onProgress: (done, total, crate) => {
          if (reporter?.cancelled) run.controller.abort();
          reporter?.report(total ? Math.floor((done * 100) / total) : 100, crate ? `${done}/${total} ${crate}` : `${total} crates`);
        },
      });
      this.publishRoot(root);
    } catch (error) {
      if (!run.controller.signal.aborted) this.host.log(`dependency report for ${root} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      reporter?.done();
      if (this.runs.get(root) === run) this.runs.delete(root);
    }
  }

  private reportReady(root: string, report: DepsReport): void {
    this.reports.set(root, report);
    this.publishRoot(root);
  }

  private publishRoot(root: string): void {
    for (const uri of this.docs.keys()) if (this.reportFor(uri) === this.reports.get(root)) this.publishDoc(uri);
    this.host.refresh();
  }

  private publishDoc(uri: string): void {
    this.host.publish(uri, this.diagnostics(uri));
  }

  private reportFor(uri: string): DepsReport | undefined {
    const file = uriToPath(uri);
    for (const report of this.reports.values()) {
      const m = report.model;
      if (file === m.lockFile || file === m.rootManifest.file || m.members.some((member) => member.file === file)) return report;
    }
    return undefined;
  }

  // ---- views of the current text -------------------------------------------------------------

  private findings(uri: string): Finding[] {
    const doc = this.docs.get(uri);
    const report = this.reportFor(uri);
    if (!doc || !report || !this.settings.enabled) return [];
    const file = uriToPath(uri);
    if (file.endsWith('Cargo.lock')) return lockFindings(report, file, doc.getText());
    const read = this.reader();
    return manifestFindings(report, file, doc.getText(), () => read(report.model.rootManifest.file));
  }

  private hints(uri: string): Hint[] {
    const doc = this.docs.get(uri);
    const report = this.reportFor(uri);
    if (!doc || !report || !this.settings.enabled) return [];
    const file = uriToPath(uri);
    return file.endsWith('Cargo.lock') ? lockHints(report, doc.getText()) : manifestHints(report, file, doc.getText());
  }

  /** A fix's edits as LSP edits; its files are open documents or read from disk. */
  private workspaceEdit(fix: Fix): { changes: Record<string, LspTextEdit[]> } | undefined {
    const changes: Record<string, LspTextEdit[]> = {};
    const read = this.reader();
    for (const fe of fix.edits) {
      const text = read(fe.path);
      if (text === undefined) return undefined;
      const lines = new LineIndex(text);
      changes[pathToUri(fe.path)] = fe.edits.map((e) => ({ range: { start: lines.positionAt(e.start), end: lines.positionAt(e.end) }, newText: e.newText }));
    }
    return { changes };
  }
}

function toDiagnostic(f: Finding, lines: LineIndex): Diagnostic {
  const range = f.ruleId === 'deps-notice' ? { start: 0, end: lines.lineEnd(0) } : f.range;
  const href = f.notes.find((n) => /^https?:\/\//.test(n));
  return {
    range: { start: lines.positionAt(range.start), end: lines.positionAt(range.end) },
    severity: SEVERITY[f.severity],
    code: f.ruleId,
    ...(href ? { codeDescription: { href } } : {}),
    source: 'blindspot',
    message: [f.message, ...f.notes.filter((n) => n !== href)].join('\n'),
    data: { ruleId: f.ruleId, fixes: f.fixes.map((x) => x.title) },
  };
}
