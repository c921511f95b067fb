// Open documents: each one owns an EngineDocument (tree + per-function cache) fed with incremental edits,
// a debounce timer, and the findings of its last analysis tagged with the version they were computed for.
import type { DidChangeTextDocumentParams, DidOpenTextDocumentParams, TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { Engine, EngineDocument, ContentChange } from '../engine/analyze';
import { crateInfoFor, looseFileCrate, type CrateInfo } from '../engine/crate';
import type { Finding } from '../engine/rule';
import { isFileUri, uriToPath } from './uri';

export interface Analysis {
  /** The document version these findings belong to. */
  version: number;
  findings: Finding[];
  skipped?: string;
  /** The engine's workspace findings for this file when it was analysed (to tell whether they changed since). */
  workspaceFindings?: readonly Finding[];
  /** Numbers analyses: a pulled report's result id changes whenever the findings may have. */
  serial: number;
}

export interface OpenDocument {
  readonly uri: string;
  readonly path: string;
  version: number;
  readonly engineDoc: EngineDocument;
  /** Cancels the pending (debounced) analysis. */
  timer?: Cancel;
  /** The whole-file parse the typing fast path put off (EngineDocument.settle), run once the server is idle. */
  settling?: Cancel;
  /** The last analysis; current when its version equals the document's and nothing invalidated it. */
  analysis?: Analysis;
  stale: boolean;
  /**
   * The first offset any edit touched since the last `analyzed` event (undefined: no edit): text before it is
   * unchanged, so other documents' positions in this file before it still hold.
   */
  changedFrom?: number;
}

type Cancel = () => void;

/** Runs `run` after `delayMs`; 0 runs it on the next turn of the event loop (setTimeout(0) waits at least 1 ms). */
function later(delayMs: number, run: () => void): Cancel {
  if (delayMs <= 0) {
    const handle = setImmediate(run);
    return () => clearImmediate(handle);
  }
  const handle = setTimeout(run, delayMs);
  return () => clearTimeout(handle);
}

export interface DocumentEvents {
  /** A scheduled analysis finished; `doc.analysis` is current; `changedFrom` is where edits since the last event began. */
  analyzed(doc: OpenDocument, changedFrom: number | undefined): void;
  log(message: string): void;
}

/** Rust by language id, or by extension for clients that send another id. */
function isRust(languageId: string, uri: string): boolean {
  return languageId === 'rust' || uri.endsWith('.rs');
}

export function crateForUri(uri: string): CrateInfo {
  return isFileUri(uri) ? crateInfoFor(uriToPath(uri)) : looseFileCrate;
}

export class DocumentStore {
  private readonly docs = new Map<string, OpenDocument>();
  private serial = 0;
  debounceMs: number;

  constructor(private readonly engine: Engine, private readonly events: DocumentEvents, debounceMs: number) {
    this.debounceMs = debounceMs;
  }

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }

  isOpenPath(filePath: string): boolean {
    return this.all().some((d) => d.path === filePath);
  }

  /** Edits the engine has not analysed yet, since the last `analyzed` event (other files' positions in it may lag). */
  hasPendingEdits(doc: OpenDocument): doc is OpenDocument & { changedFrom: number } {
    return doc.changedFrom !== undefined && (doc.stale || doc.analysis?.version !== doc.version);
  }

  open(params: DidOpenTextDocumentParams): OpenDocument | undefined {
    const { uri, languageId, version, text } = params.textDocument;
    if (!isRust(languageId, uri)) return undefined;
    const previous = this.docs.get(uri);
    if (previous) this.dispose(previous); // a second didOpen replaces the first
    const doc: OpenDocument = {
      uri,
      path: uriToPath(uri),
      version,
      engineDoc: this.engine.openDocument(uriToPath(uri), text, crateForUri(uri)),
      stale: true,
    };
    this.docs.set(uri, doc);
    this.schedule(doc, 0);
    return doc;
  }

  /** Applies incremental (or full) changes; a change for a document never opened is logged and dropped. */
  change(params: DidChangeTextDocumentParams): OpenDocument | undefined {
    const doc = this.docs.get(params.textDocument.uri);
    if (!doc) {
      this.events.log(`didChange for ${params.textDocument.uri}, which is not open: ignored`);
      return undefined;
    }
    const version = params.textDocument.version;
    if (typeof version === 'number' && version <= doc.version) {
      this.events.log(`didChange for ${doc.uri} goes from version ${doc.version} to ${version}: applied anyway`);
    }
    for (const change of params.contentChanges) this.applyOne(doc, change);
    if (typeof version === 'number') doc.version = version;
    doc.stale = true;
    this.schedule(doc, this.debounceMs);
    return doc;
  }

  /**
   * One change at a time: each range is relative to the text left by the previous one, so it is
   * converted with the line index as it stands after that change (UTF-16 positions, clamped).
   */
  private applyOne(doc: OpenDocument, change: TextDocumentContentChangeEvent): void {
    if (typeof change?.text !== 'string') {
      this.events.log(`didChange for ${doc.uri} carries a change without text: ignored`);
      return;
    }
    if (!('range' in change) || !change.range) {
      doc.engineDoc.setText(change.text);
      doc.changedFrom = 0;
      return;
    }
    const lines = doc.engineDoc.lineIndex;
    const a = lines.offsetAt(change.range.start);
    const b = lines.offsetAt(change.range.end);
    const edit: ContentChange = { start: Math.min(a, b), end: Math.max(a, b), text: change.text };
    doc.engineDoc.applyChanges([edit]);
    doc.changedFrom = Math.min(doc.changedFrom ?? edit.start, edit.start);
  }

  close(uri: string): OpenDocument | undefined {
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    this.dispose(doc);
    this.docs.delete(uri);
    return doc;
  }

  /** Marks every document for re-analysis (settings or cross-file facts changed). */
  invalidateAll(delayMs = 0): void {
    for (const doc of this.docs.values()) {
      doc.stale = true;
      this.schedule(doc, delayMs);
    }
  }

  /** Re-reads crate info (Cargo.toml changed) for documents on disk. */
  refreshCrates(): void {
    for (const doc of this.docs.values()) doc.engineDoc.crate = crateForUri(doc.uri);
  }

  /** Set until the first settings arrive, so nothing is published under settings the user overrode. */
  private paused = true;

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.invalidateAll();
  }

  schedule(doc: OpenDocument, delayMs: number): void {
    doc.timer?.();
    doc.timer = undefined;
    if (this.paused) return;
    doc.timer = later(delayMs, () => {
      doc.timer = undefined;
      if (this.docs.get(doc.uri) !== doc) return; // closed (or reopened) meanwhile
      const changedFrom = doc.changedFrom;
      doc.changedFrom = undefined;
      this.analyzeNow(doc);
      this.events.analyzed(doc, changedFrom);
      this.settleWhenIdle(doc);
    });
  }

  /** After publishing: the put-off whole-file parse; when it reads the edited function differently, analyse again. */
  private settleWhenIdle(doc: OpenDocument): void {
    doc.settling?.();
    doc.settling = later(0, () => {
      doc.settling = undefined;
      if (this.docs.get(doc.uri) !== doc) return;
      try {
        if (!doc.engineDoc.settle()) return;
      } catch (error) {
        this.events.log(`parsing ${doc.uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return;
      }
      doc.stale = true;
      this.schedule(doc, 0);
    });
  }

  /**
   * The findings for the document's current version, analysing now if needed (requests can't wait for
   * the timer). An engine failure is logged and the document shows it as skipped: it never escapes.
   */
  analyzeNow(doc: OpenDocument): Analysis {
    if (doc.analysis && doc.analysis.version === doc.version && !doc.stale) return doc.analysis;
    const version = doc.version;
    try {
      const result = doc.engineDoc.analyze();
      // Read after the analysis: it brought the workspace findings up to date (a cached map lookup).
      const workspaceFindings = result.skipped ? undefined : this.engine.workspaceFindings().get(doc.path);
      doc.analysis = { version, findings: result.findings, skipped: result.skipped, workspaceFindings, serial: ++this.serial };
    } catch (error) {
      this.events.log(`analysis of ${doc.uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      doc.analysis = { version, findings: [], skipped: 'skipped: internal error (see the Blindspot output)', serial: ++this.serial };
    }
    doc.stale = false;
    return doc.analysis;
  }

  private dispose(doc: OpenDocument): void {
    doc.timer?.();
    doc.timer = undefined;
    doc.settling?.();
    doc.settling = undefined;
    doc.engineDoc.dispose();
  }

  disposeAll(): void {
    for (const doc of this.docs.values()) this.dispose(doc);
    this.docs.clear();
  }
}
