// LSP wiring: capabilities, handler registration and the glue between documents, the workspace scan
// and the publisher. Every handler is guarded: after shutdown it answers InvalidRequest, and an
// exception inside it is logged and answered with an error, never allowed to kill the process.
import * as path from 'path';
import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  FileChangeType,
  ResponseError,
  type Connection,
  type DocumentDiagnosticReport,
  type FileEvent,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { Engine } from '../engine/analyze';
import { ruleDocsMarkdown } from '../engine/docs';
import { initParser } from '../engine/parser';
import type { Rule } from '../engine/rule';
import { rules as registeredRules } from '../rules';
import { CargoTomlFeatures, isCargoUri } from './cargo-toml';
import { clientSupport, RESCAN_COMMAND, RULE_DOCS_REQUEST, serverCapabilities, workspaceFolderPaths, type ClientSupport } from './capabilities';
import { codeActions, SHOW_RULE_DOCS_COMMAND } from './code-actions';
import { ruleDocsHref } from './diagnostics';
import { pathsReferenced, pointsInto, sameFindings, type FileChange } from './dependents';
import { ClosedDependents } from './closed-dependents';
import { DocumentStore, type Analysis, type OpenDocument } from './documents';
import { hoverAt } from './hover';
import { Publisher } from './publisher';
import { defaultServerSettings, parseSettings, type ServerSettings } from './settings';
import { isDiskPath, pathToUri, uriToPath } from './uri';
import { scannedFolderOf, WorkspaceScanner, type ScanOutcome, type ScanProgress } from './workspace';

const SERVER_VERSION = '0.1.0';
/** The same rule error is logged once per rule and file, not on every keystroke. */
const MAX_LOGGED_RULE_ERRORS = 256;

interface Progress extends ScanProgress {
  done(): void;
}

/** Closed files re-checked per turn after edits in open documents (the rest waits for the next turn). */
const MAX_CLOSED_RECHECKS_PER_TURN = 8;

export class BlindspotServer {
  readonly engine: Engine;
  private readonly docs: DocumentStore;
  private readonly publisher: Publisher;
  private readonly scanner: WorkspaceScanner;
  /** Cargo.toml / Cargo.lock: advisories, unsafe counts as inlay hints (engine/deps). */
  private readonly cargo: CargoTomlFeatures;
  private settings: ServerSettings = defaultServerSettings;
  private support: ClientSupport = clientSupport({});
  private folders: string[] = [];
  private shuttingDown = false;
  /** Numbers scans so only the latest one clears the status bar's "scanning". */
  private scanCount = 0;
  private readonly loggedRuleErrors = new Set<string>();
  /** Closed files whose diagnostics open documents' edits can change, and those waiting to be re-checked. */
  private readonly closedDependents = new ClosedDependents();
  private readonly closedToRecheck = new Set<string>();
  private closedRecheckTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly connection: Connection, rules: Rule[] = registeredRules) {
    this.engine = new Engine(rules);
    this.engine.onRuleError = (ruleId, path, error) => this.logRuleError(ruleId, path, error);
    this.docs = new DocumentStore(this.engine, { analyzed: (doc, changedFrom) => this.afterAnalysis(doc, changedFrom), log: (m) => this.log(m) }, this.settings.debounceMs);
    this.publisher = new Publisher(connection, this.docs);
    this.scanner = new WorkspaceScanner({
      engine: this.engine,
      isOpen: (p) => this.docs.isOpenPath(p),
      publish: (p, result, text) => {
        this.closedDependents.record(p, result.findings, this.engine.workspaceFindings().get(p) ?? []);
        this.publisher.publishClosed(p, result, text);
      },
      forget: (p) => this.forgetFile(p),
      log: (m) => this.log(m),
    });
    this.cargo = new CargoTomlFeatures({
      publish: (uri, diagnostics) => this.background(connection.sendDiagnostics({ uri, diagnostics })),
      refresh: () => {
        if (this.support.inlayHintRefresh) void connection.languages.inlayHint.refresh().catch(() => undefined);
      },
      progress: (title) => this.progress(title, true),
      log: (m) => this.log(m),
    });
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((params) => this.initialize(params));
    c.onInitialized(() => this.background(this.initialized()));
    c.onShutdown(() => this.shutdown());
    c.onDidOpenTextDocument(this.notification((p) => (isCargoUri(p.textDocument.uri) ? this.cargo.open(p) : this.didOpen(this.docs.open(p)))));
    c.onDidChangeTextDocument(this.notification((p) => (isCargoUri(p.textDocument.uri) ? this.cargo.change(p) : this.docs.change(p))));
    c.onDidCloseTextDocument(this.notification((p) => (isCargoUri(p.textDocument.uri) ? this.cargo.close(p.textDocument.uri) : this.background(this.didClose(p.textDocument.uri)))));
    c.onDidChangeConfiguration(this.notification((p) => this.background(this.settingsChanged(p.settings))));
    c.onDidChangeWatchedFiles(this.notification((p) => this.background(this.filesChanged(p.changes))));
    c.onCodeAction(this.request((p) => {
      if (isCargoUri(p.textDocument.uri)) return this.cargo.codeActions(p);
      const doc = this.docs.get(p.textDocument.uri);
      if (!doc) return [];
      const analysis = this.currentAnalysis(doc);
      return codeActions(p, { doc, analysis, locate: this.publisher.locator(), documentChanges: this.support.documentChanges });
    }));
    c.onHover(this.request((p) => {
      if (isCargoUri(p.textDocument.uri)) return this.cargo.hover(p);
      const doc = this.docs.get(p.textDocument.uri);
      return doc ? hoverAt(doc, this.currentAnalysis(doc), p.position, (id) => this.ruleById(id)) : null;
    }));
    c.languages.inlayHint.on(this.request((p) => this.cargo.inlayHints(p)));
    c.languages.diagnostics.on(this.request((p) => this.pullDiagnostics(p.textDocument.uri, p.previousResultId)));
    c.onExecuteCommand(this.request((p) => this.executeCommand(p.command, p.arguments ?? [])));
    c.onRequest(RULE_DOCS_REQUEST, this.request((p: { ruleId?: string } | undefined) => this.ruleDocs(p?.ruleId)));
    c.listen();
  }

  private initialize(params: InitializeParams): Promise<InitializeResult> {
    this.support = clientSupport(params.capabilities);
    this.publisher.pullMode = this.support.pullDiagnostics;
    this.folders = workspaceFolderPaths(params);
    // Clients that can't answer workspace/configuration may pass the section here (Helix sends its `config`).
    const options = params.initializationOptions as { settings?: unknown; blindspot?: unknown } | undefined;
    const initial = options?.settings ?? options?.blindspot;
    if (initial !== undefined) {
      this.cargo.configure(initial);
      this.applySettings(parseSettings(initial));
    }
    return initParser().then(() => ({ capabilities: serverCapabilities(this.support), serverInfo: { name: 'blindspot', version: SERVER_VERSION } }));
  }

  private async initialized(): Promise<void> {
    try {
      await this.registerForChanges();
      const settings = await this.readSettings(undefined);
      if (settings) this.applySettings(settings);
    } catch (error) {
      this.log(`initialization: ${describe(error)}`);
    } finally {
      this.docs.resume();
    }
    this.publisher.statusChanged(); // the status bar leaves its "starting" state even when nothing is found
    if (this.settings.workspaceScan) this.background(this.startScan());
  }

  /** Workspace folders, watched files and configuration changes, for clients that let the server ask. */
  private async registerForChanges(): Promise<void> {
    if (this.support.workspaceFolders) {
      this.connection.workspace.onDidChangeWorkspaceFolders(this.notification((e) => this.foldersChanged(e.added.map((f) => f.uri), e.removed.map((f) => f.uri))));
    }
    if (this.support.dynamicWatchers) {
      await this.connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.rs' }, { globPattern: '**/Cargo.toml' }, { globPattern: '**/Cargo.lock' }],
      });
    }
    if (this.support.dynamicConfiguration) await this.connection.client.register(DidChangeConfigurationNotification.type, { section: 'blindspot' });
  }

  // ---- guards -------------------------------------------------------------------------------

  /** Wraps a request handler: InvalidRequest after shutdown; an exception becomes an error reply and a log line. */
  private request<P, R>(handler: (params: P) => R | Promise<R>): (params: P) => Promise<R> {
    return async (params: P) => {
      if (this.shuttingDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down');
      try {
        return await handler(params);
      } catch (error) {
        if (error instanceof ResponseError) throw error;
        this.log(`request failed: ${describe(error)}`);
        throw new ResponseError(ErrorCodes.InternalError, `blindspot: ${describe(error)}`);
      }
    };
  }

  /** Work nobody awaits (scans, settings reloads, file events): a failure is logged, never an unhandled rejection. */
  private background(work: Promise<unknown>): void {
    work.catch((error) => this.log(`background work failed: ${describe(error)}`));
  }

  /** Asks a pull-diagnostics client to pull again (settings or cross-file facts changed). */
  private refreshPulled(): void {
    if (this.support.pullDiagnostics && this.support.diagnosticRefresh) this.background(this.connection.languages.diagnostics.refresh());
  }

  /** Notifications after shutdown are dropped; exceptions are logged. */
  private notification<P>(handler: (params: P) => void): (params: P) => void {
    return (params: P) => {
      if (this.shuttingDown) return;
      try {
        handler(params);
      } catch (error) {
        this.log(`notification failed: ${describe(error)}`);
      }
    };
  }

  // ---- documents ----------------------------------------------------------------------------

  private didOpen(doc: OpenDocument | undefined): void {
    // Pulled diagnostics live in another collection than pushed ones: drop the scan's pushed copy.
    if (doc && this.publisher.pullMode) this.publisher.clear(doc.uri);
  }

  private async didClose(uri: string): Promise<void> {
    const doc = this.docs.close(uri);
    if (!doc) return;
    // No tree is kept for a closed file: a scanned file goes back to what the disk says, others vanish.
    const scanned = this.settings.workspaceScan && isDiskPath(doc.path) && (await scannedFolderOf(this.folders, doc.path));
    if (this.docs.get(uri)) return; // reopened meanwhile: the buffer rules again
    if (scanned) {
      await this.scanner.check(doc.path);
    } else {
      this.engine.workspace.removeFile(doc.path);
      this.publisher.clear(uri);
    }
    // Positions in the file now come from the disk, its facts from the scan or nowhere.
    this.afterFileChanged(undefined, { path: doc.path, from: 0 });
  }

  /** The workspace facts version last seen after a change: a change means other documents may read new facts. */
  private factsVersion = 0;

  private afterAnalysis(doc: OpenDocument, changedFrom: number | undefined): void {
    this.publishWhenPlaced(doc);
    const change = changedFrom === undefined ? undefined : { path: doc.path, from: changedFrom };
    this.afterFileChanged(doc, change);
    this.recheckClosedDependents(change);
  }

  /**
   * Closed files whose diagnostics point into the edited part of an open document, or whose workspace findings it
   * changed, are checked again from the disk (debounced): before, they were refreshed only when a file was saved.
   */
  private recheckClosedDependents(change: FileChange | undefined): void {
    if (!this.settings.workspaceScan || this.shuttingDown) return;
    const affected = this.closedDependents.affectedBy(change, this.engine.workspaceFindings(), (p) => this.docs.isOpenPath(p) || !isDiskPath(p));
    for (const p of affected) this.closedToRecheck.add(p);
    this.scheduleClosedRechecks();
  }

  /** A few closed files per turn, yielding between them: typing in the open document stays first in line. */
  private scheduleClosedRechecks(): void {
    if (!this.closedToRecheck.size || this.closedRecheckTimer || this.shuttingDown) return;
    this.closedRecheckTimer = setTimeout(() => {
      const paths = [...this.closedToRecheck].slice(0, MAX_CLOSED_RECHECKS_PER_TURN);
      for (const p of paths) this.closedToRecheck.delete(p);
      this.background((async () => {
        try {
          for (const p of paths) {
            // The scan turned off, or the file's folder removed, meanwhile: closed files show nothing.
            if (this.shuttingDown || !this.settings.workspaceScan) return;
            if (!(await scannedFolderOf(this.folders, p))) continue;
            // A file that could not be checked is remembered as it is: not tried again on every keystroke.
            if (!(await this.scanner.check(p))) this.closedDependents.record(p, [], this.engine.workspaceFindings().get(p) ?? []);
            await new Promise((resolve) => setImmediate(resolve));
          }
        } finally {
          this.closedRecheckTimer = undefined;
          this.scheduleClosedRechecks();
        }
      })());
    }, this.settings.debounceMs);
  }

  /**
   * A file changed (`edited` was just analysed, or a closed file was re-read): when cross-file facts changed (a
   * struct's fields, say) every other open document may read them; otherwise only those whose diagnostics point
   * into the changed part of the file, or whose workspace findings changed, are refreshed (debounced).
   */
  private afterFileChanged(edited: OpenDocument | undefined, change: FileChange | undefined): void {
    const before = this.factsVersion;
    this.factsVersion = this.engine.workspace.version;
    const others = this.docs.all().filter((d) => d !== edited);
    if (!others.length) return;
    const affected = before === this.factsVersion ? others.filter((d) => this.dependsOn(d, change)) : others;
    if (!affected.length) return;
    this.refreshPulled();
    for (const other of affected) {
      other.stale = true;
      this.docs.schedule(other, this.settings.debounceMs);
    }
  }

  /** Whether a document's current diagnostics may have moved or changed with `change` (undefined: a re-analysis). */
  private dependsOn(doc: OpenDocument, change: FileChange | undefined): boolean {
    const analysis = doc.analysis;
    // A stale document is re-analysed anyway; one never analysed or skipped shows nothing from other files.
    if (doc.stale || !analysis || analysis.skipped) return false;
    if (change && analysis.findings.some((f) => pointsInto(f, change))) return true;
    return !sameFindings(analysis.workspaceFindings, this.engine.workspaceFindings().get(doc.path));
  }

  /**
   * Open files this document's findings point into that have edits the engine has not analysed before those
   * positions: their related locations and fix edits would be placed with the new text's lines at old offsets.
   */
  private unplacedReferences(doc: OpenDocument, analysis: Analysis): (OpenDocument & { changedFrom: number })[] {
    const referenced = pathsReferenced(analysis.findings, doc.path);
    if (!referenced.size) return [];
    return this.docs.all().filter((other): other is OpenDocument & { changedFrom: number } =>
      other !== doc && referenced.has(other.path) && this.docs.hasPendingEdits(other) && analysis.findings.some((f) => pointsInto(f, { path: other.path, from: other.changedFrom })));
  }

  /**
   * Pushes a document's diagnostics unless they point into an edited, not yet analysed part of another open file:
   * that file's analysis refreshes this document (its edits are still recorded), which publishes then.
   */
  private publishWhenPlaced(doc: OpenDocument): void {
    if (doc.analysis && this.unplacedReferences(doc, doc.analysis).length) return;
    this.publisher.publishOpen(doc);
  }

  /**
   * The findings of a document for a request (hover, code actions, pull): the open files they point into are
   * analysed first when they have pending edits there, and the document again if that changed its findings.
   */
  private currentAnalysis(doc: OpenDocument): Analysis {
    const previous = this.docs.analyzeNow(doc);
    const lagging = this.unplacedReferences(doc, previous);
    if (!lagging.length) return previous;
    // Their edits stay recorded: their own scheduled analysis still refreshes the documents that depend on them.
    for (const other of lagging) this.docs.analyzeNow(other);
    doc.stale = true;
    return this.docs.analyzeNow(doc);
  }

  private pullDiagnostics(uri: string, previousResultId: string | undefined): DocumentDiagnosticReport {
    const doc = this.docs.get(uri);
    if (!doc) return { kind: 'full', items: [] };
    const analysis = this.currentAnalysis(doc);
    const resultId = `${analysis.version}:${analysis.serial}`;
    if (previousResultId === resultId) return { kind: 'unchanged', resultId };
    return { kind: 'full', resultId, items: this.publisher.diagnosticsOf(doc) };
  }

  // ---- settings -----------------------------------------------------------------------------

  /** The `blindspot` section: pulled when the client supports workspace/configuration, else taken from the notification. */
  private async readSettings(pushed: unknown): Promise<ServerSettings | undefined> {
    let section: unknown = (pushed as { blindspot?: unknown } | null | undefined)?.blindspot;
    if (this.support.configuration) {
      try {
        section = await this.connection.workspace.getConfiguration({ section: 'blindspot' });
      } catch (error) {
        this.log(`workspace/configuration failed: ${describe(error)}`);
        return undefined;
      }
    }
    if (section === undefined) return undefined;
    this.cargo.configure(section);
    return parseSettings(section);
  }

  /** Applies changed settings without a reload: re-analyse open documents, rescan (or clear) closed ones. */
  private async settingsChanged(pushed: unknown): Promise<void> {
    const next = await this.readSettings(pushed);
    if (!next || JSON.stringify(next) === JSON.stringify(this.settings)) return;
    const scanBefore = this.settings.workspaceScan;
    this.applySettings(next);
    this.docs.invalidateAll();
    this.refreshPulled();
    if (next.workspaceScan) this.background(this.startScan());
    else if (scanBefore) this.dropClosedDiagnostics();
  }

  private applySettings(next: ServerSettings): void {
    this.settings = next;
    this.engine.updateSettings(next.engine);
    this.docs.debounceMs = next.debounceMs;
  }

  // ---- workspace ----------------------------------------------------------------------------

  /** Starts a scan (cancelling one in progress) and resolves when it ends. */
  startScan(): Promise<ScanOutcome> {
    this.scanner.cancel();
    return this.runScan(++this.scanCount);
  }

  private async runScan(run: number): Promise<ScanOutcome> {
    const progress = await this.progress('Blindspot: scanning workspace', true, 'listing .rs files');
    this.publisher.scanning = true;
    this.publisher.statusChanged();
    try {
      const outcome = await this.scanner.scan(this.folders, progress);
      progress.report(100, outcome.cancelled ? `cancelled after ${outcome.checked} of ${outcome.files} files` : `${outcome.files} files checked`);
      this.log(`workspace scan: ${outcome.files} files, ${outcome.checked} checked${outcome.cancelled ? ', cancelled' : ''}`);
      // Facts gathered by the scan may change what open documents see.
      this.docs.invalidateAll();
      return outcome;
    } finally {
      progress.done();
      if (run === this.scanCount) {
        this.publisher.scanning = false;
        this.publisher.statusChanged();
      }
    }
  }

  /** Work-done progress the user can cancel; a silent stand-in when the client has no progress support. */
  private async progress(title: string, cancellable: boolean, message?: string): Promise<Progress> {
    const reporter = await this.connection.window.createWorkDoneProgress().catch(() => undefined);
    reporter?.begin(title, 0, message, cancellable);
    return {
      report: (percentage, text) => reporter?.report(percentage, text),
      done: () => reporter?.done(),
      get cancelled() {
        return !!reporter?.token.isCancellationRequested;
      },
    };
  }

  private foldersChanged(added: string[], removed: string[]): void {
    const gone = new Set(removed.map(uriToPath));
    this.folders = [...this.folders.filter((f) => !gone.has(f)), ...added.map(uriToPath).filter(isDiskPath)];
    if (this.settings.workspaceScan) this.background(this.startScan());
  }

  private dropClosedDiagnostics(): void {
    this.scanner.cancel();
    this.closedDependents.clear();
    this.closedToRecheck.clear();
    const open = new Set(this.docs.all().map((d) => d.uri));
    for (const uri of this.publisher.urisWithFindings()) if (!open.has(uri)) this.publisher.clear(uri);
  }

  /** A deleted file, or a deleted folder (one event for everything in it). */
  private forgetPathsUnder(deleted: string): void {
    for (const known of this.engine.workspace.paths()) {
      if (known === deleted || known.startsWith(deleted + path.sep)) this.forgetFile(known);
    }
    this.publisher.clear(pathToUri(deleted));
  }

  private forgetFile(filePath: string): void {
    this.closedDependents.forget(filePath);
    this.engine.workspace.removeFile(filePath);
    this.publisher.clear(pathToUri(filePath));
  }

  /** File-watch events: keep cross-file facts current, re-check changed closed files, clear deleted ones. */
  private async filesChanged(changes: FileEvent[]): Promise<void> {
    const factsBefore = this.engine.workspace.version;
    const withWorkspaceFindings = () => new Set(this.engine.workspaceFindings().keys());
    const affectedBefore = withWorkspaceFindings();
    let manifests = false;
    const reread: string[] = [];
    for (const change of changes) {
      const filePath = uriToPath(change.uri);
      if (isCargoUri(change.uri)) {
        manifests = true;
        this.cargo.fileChanged(filePath);
      }
      if (!isDiskPath(filePath) || this.docs.isOpenPath(filePath)) continue;
      reread.push(filePath);
      if (change.type === FileChangeType.Deleted) this.forgetPathsUnder(filePath);
      else if (filePath.endsWith('.rs') && this.settings.workspaceScan && (await scannedFolderOf(this.folders, filePath))) await this.scanner.check(filePath);
    }
    if (manifests) this.docs.refreshCrates();
    // Open documents pointing into a re-read file (positions now from the disk) or holding findings it caused.
    for (const filePath of reread) this.afterFileChanged(undefined, { path: filePath, from: 0 });
    if (!manifests && this.engine.workspace.version === factsBefore) return;
    this.docs.invalidateAll(this.settings.debounceMs);
    this.refreshPulled();
    if (!this.settings.workspaceScan) return;
    // A saved Cargo.toml may change the edition or the dependencies of every file of its crate.
    if (changes.some((c) => c.uri.endsWith('Cargo.toml') && c.type !== FileChangeType.Deleted)) {
      this.background(this.startScan());
      return;
    }
    // Workspace-wide findings (cycles across files) may have moved to or from closed files.
    for (const p of new Set([...affectedBefore, ...withWorkspaceFindings()])) await this.scanner.check(p);
  }

  // ---- commands -----------------------------------------------------------------------------

  private async executeCommand(command: string, args: unknown[]): Promise<unknown> {
    if (command === RESCAN_COMMAND) return this.startScan();
    if (command === SHOW_RULE_DOCS_COMMAND) {
      const ruleId = typeof args[0] === 'string' ? args[0] : undefined;
      const docs = this.ruleDocs(ruleId);
      if (ruleId && docs.markdown && this.support.showDocument) {
        void this.connection.window.showDocument({ uri: ruleDocsHref(ruleId), external: true }).catch(() => undefined);
      }
      return docs;
    }
    throw new ResponseError(ErrorCodes.InvalidParams, `unknown command ${command}`);
  }

  private ruleById(id: string): Rule | undefined {
    return this.engine.rules.find((r) => r.id === id);
  }

  /** One rule's docs as markdown, and the list of rules (for a picker). */
  private ruleDocs(ruleId: string | undefined): { markdown?: string; rules: { id: string; summary: string }[] } {
    const rule = ruleId ? this.ruleById(ruleId) : undefined;
    return {
      markdown: rule ? ruleDocsMarkdown(rule, 2) : undefined,
      rules: this.engine.rules.map((r) => ({ id: r.id, summary: r.docs.summary })),
    };
  }

  // ---- lifecycle and logging ----------------------------------------------------------------

  private shutdown(): void {
    this.shuttingDown = true;
    if (this.closedRecheckTimer) clearTimeout(this.closedRecheckTimer);
    this.closedRecheckTimer = undefined;
    this.scanner.cancel();
    this.docs.disposeAll();
    this.publisher.dispose();
    this.cargo.dispose();
  }

  private log(message: string): void {
    if (!this.shuttingDown) this.connection.console.log(message);
  }

  private logRuleError(ruleId: string, filePath: string, error: unknown): void {
    const key = `${ruleId}\u0000${filePath}`;
    if (this.loggedRuleErrors.has(key) || this.loggedRuleErrors.size >= MAX_LOGGED_RULE_ERRORS) return;
    this.loggedRuleErrors.add(key);
    this.connection.console.error(`rule ${ruleId} failed on ${filePath}: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
