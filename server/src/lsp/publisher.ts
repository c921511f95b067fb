// Getting diagnostics to the client: pushed for closed files and (without pull support) open ones,
// pulled for open ones when the client asks for them. Keeps the finding count per URI for the status bar.
import * as fs from 'fs';
import type { Connection, Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';
import type { FileResult } from '../engine/analyze';
import { LineIndex } from '../engine/text';
import { STATUS_NOTIFICATION } from './capabilities';
import { skippedDiagnostic, toDiagnostic, type Locate } from './diagnostics';
import type { DocumentStore, OpenDocument } from './documents';
import { isDiskPath, pathToUri } from './uri';

export interface Status {
  findings: number;
  files: number;
  scanning: boolean;
}

/** Status notifications are coalesced: a scan publishing hundreds of files sends a handful. */
const STATUS_INTERVAL_MS = 150;
/** Texts read for related locations in other files during one publish: bounded. */
const MAX_LOCATE_READS = 32;

export class Publisher {
  private readonly counts = new Map<string, number>();
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  scanning = false;
  /** Open documents' diagnostics are pulled by the client (textDocument/diagnostic), not pushed. */
  pullMode = false;

  constructor(private readonly connection: Connection, private readonly docs: DocumentStore) {}

  /** Positions in any file: the open buffer if there is one, else the disk. */
  locator(extra?: { path: string; text: string }): Locate {
    const read = new Map<string, LineIndex | undefined>();
    return (filePath) => {
      const open = this.docs.all().find((d) => d.path === filePath);
      if (open) return { uri: open.uri, lines: open.engineDoc.lineIndex };
      if (extra && extra.path === filePath) return { uri: pathToUri(filePath), lines: new LineIndex(extra.text) };
      if (!isDiskPath(filePath)) return undefined;
      if (!read.has(filePath) && read.size < MAX_LOCATE_READS) {
        try {
          read.set(filePath, new LineIndex(fs.readFileSync(filePath, 'utf8')));
        } catch {
          read.set(filePath, undefined);
        }
      }
      const lines = read.get(filePath);
      return lines && { uri: pathToUri(filePath), lines };
    };
  }

  /** Diagnostics of an open document's current analysis (the caller made sure it is current). */
  diagnosticsOf(doc: OpenDocument): Diagnostic[] {
    const analysis = doc.analysis;
    if (!analysis) return [];
    this.setCount(doc.uri, analysis.findings.length);
    if (analysis.skipped) return [skippedDiagnostic(analysis.skipped)];
    const locate = this.locator();
    return analysis.findings.map((f) => toDiagnostic(f, doc.engineDoc.lineIndex, locate, analysis.version));
  }

  /** Pushes an open document's diagnostics, tagged with the version they were computed for. */
  publishOpen(doc: OpenDocument): void {
    if (this.pullMode || !doc.analysis || doc.analysis.version !== doc.version) return; // never publish an older version
    this.send({ uri: doc.uri, version: doc.analysis.version, diagnostics: this.diagnosticsOf(doc) });
  }

  publishClosed(filePath: string, result: FileResult, text: string): void {
    const uri = pathToUri(filePath);
    const lines = new LineIndex(text);
    const locate = this.locator({ path: filePath, text });
    const diagnostics = result.findings.map((f) => toDiagnostic(f, lines, locate));
    this.setCount(uri, result.findings.length);
    this.send({ uri, diagnostics });
  }

  /** A write to a closed connection (the editor went away) is nothing to crash over. */
  private send(params: PublishDiagnosticsParams): void {
    this.connection.sendDiagnostics(params).catch(() => undefined);
  }

  clear(uri: string): void {
    this.setCount(uri, 0);
    this.send({ uri, diagnostics: [] });
  }

  /** URIs that currently show findings of closed files (to clear when the scan is turned off). */
  urisWithFindings(): string[] {
    return [...this.counts.keys()];
  }

  private setCount(uri: string, count: number): void {
    const before = this.counts.get(uri) ?? 0;
    if (count) this.counts.set(uri, count);
    else this.counts.delete(uri);
    if (before !== count) this.statusChanged();
  }

  status(): Status {
    let findings = 0;
    for (const n of this.counts.values()) findings += n;
    return { findings, files: this.counts.size, scanning: this.scanning };
  }

  statusChanged(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.connection.sendNotification(STATUS_NOTIFICATION, this.status()).catch(() => undefined);
    }, STATUS_INTERVAL_MS);
  }

  dispose(): void {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
  }
}
