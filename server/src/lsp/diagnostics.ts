// Finding → LSP Diagnostic: code, link to the rule's docs, source, related locations (the await points),
// and `data` carrying what the code-action handler needs to recognise the finding again.
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation, type Range } from 'vscode-languageserver';
import type { Finding, Severity } from '../engine/rule';
import type { LineIndex, OffsetRange } from '../engine/text';

export const DIAGNOSTIC_SOURCE = 'blindspot';

// Where the rule docs live is the engine's to say (the CLI's SARIF `helpUri` uses the same URL).
import { ruleDocsUrl as ruleDocsHref } from '../engine/docs';
export { ruleDocsHref };
export { RULE_DOCS_BASE_URL } from '../engine/docs';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface DiagnosticData {
  ruleId: string;
  /** Offsets of the finding in the version it was computed for, to find it again. */
  start: number;
  end: number;
  version?: number;
  /** Titles of the fixes on offer; `safeFix` when one may be applied unattended. */
  fixes: string[];
  safeFix: boolean;
}

/** Positions in another file; undefined when that file can't be read (then the location is left out). */
export type Locate = (path: string) => { uri: string; lines: LineIndex } | undefined;

export function toRange(lines: LineIndex, r: OffsetRange): Range {
  return { start: lines.positionAt(r.start), end: lines.positionAt(r.end) };
}

function relatedInformation(f: Finding, locate: Locate): DiagnosticRelatedInformation[] {
  const out: DiagnosticRelatedInformation[] = [];
  for (const rel of f.related) {
    const where = locate(rel.path);
    if (where) out.push({ location: { uri: where.uri, range: toRange(where.lines, rel.range) }, message: rel.message });
  }
  return out;
}

export function toDiagnostic(f: Finding, lines: LineIndex, locate: Locate, version?: number): Diagnostic {
  const data: DiagnosticData = {
    ruleId: f.ruleId,
    start: f.range.start,
    end: f.range.end,
    version,
    fixes: f.fixes.map((fix) => fix.title),
    safeFix: f.fixes.some((fix) => fix.safe),
  };
  const diagnostic: Diagnostic = {
    range: toRange(lines, f.range),
    severity: SEVERITY[f.severity] ?? DiagnosticSeverity.Warning,
    code: f.ruleId,
    codeDescription: { href: ruleDocsHref(f.ruleId) },
    source: DIAGNOSTIC_SOURCE,
    message: f.message,
    data,
  };
  const related = relatedInformation(f, locate);
  if (related.length) diagnostic.relatedInformation = related;
  return diagnostic;
}

/** A skipped file gets one information diagnostic at its start, so the user knows why nothing shows. */
export function skippedDiagnostic(reason: string): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    source: DIAGNOSTIC_SOURCE,
    message: `Blindspot ${reason}`,
  };
}

export function isBlindspotDiagnostic(d: Diagnostic): d is Diagnostic & { data: DiagnosticData } {
  const data = d.data as Partial<DiagnosticData> | undefined;
  return d.source === DIAGNOSTIC_SOURCE && !!data && typeof data.ruleId === 'string';
}
