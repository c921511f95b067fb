// `--format json`: a stable, documented shape (schemaVersion 1). Lines and columns are 1-based;
// columns count Unicode code points, like the text output; `end` is the position just after the range.
// Paths are relative to the working folder when inside it, absolute otherwise.
import type { Finding, Fix } from '../engine/rule';
import { allFindings, displayPath, type CheckReport } from './report';

export interface JsonPosition {
  line: number;
  column: number;
}

export interface JsonLocation {
  path: string;
  start: JsonPosition;
  end: JsonPosition;
}

export interface JsonFinding extends JsonLocation {
  ruleId: string;
  severity: string;
  message: string;
  notes: string[];
  related: (JsonLocation & { message: string })[];
  fixes: { title: string; preferred: boolean; safe: boolean; edits: (JsonLocation & { newText: string })[] }[];
}

export interface JsonOutput {
  schemaVersion: 1;
  tool: { name: 'blindspot'; version: string };
  findings: JsonFinding[];
  skipped: { path: string; reason: string }[];
  fixed: { path: string; fixes: string[] }[];
  /** Files `--fix` left untouched although they had safe fixes, e.g. `has syntax errors`. */
  notFixed: { path: string; reason: string }[];
  summary: { filesChecked: number; filesSkipped: number; findings: number; fixesApplied: number };
}

function locate(report: CheckReport, path: string, range: { start: number; end: number }): JsonLocation {
  const place = (offset: number) => {
    const p = report.lines.place(path, offset);
    return { line: p.line, column: p.column };
  };
  return { path: displayPath(report.root, path), start: place(range.start), end: place(range.end) };
}

function jsonFix(report: CheckReport, fix: Fix): JsonFinding['fixes'][number] {
  return {
    title: fix.title,
    preferred: !!fix.preferred,
    safe: !!fix.safe,
    edits: fix.edits.flatMap((fe) => fe.edits.map((e) => ({ ...locate(report, fe.path, e), newText: e.newText }))),
  };
}

function jsonFinding(report: CheckReport, f: Finding): JsonFinding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    ...locate(report, f.path, f.range),
    message: f.message,
    notes: f.notes,
    related: f.related.map((r) => ({ ...locate(report, r.path, r.range), message: r.message })),
    fixes: f.fixes.map((fix) => jsonFix(report, fix)),
  };
}

export function toJson(report: CheckReport): JsonOutput {
  const findings = allFindings(report);
  const fixed = report.files.filter((f) => f.fixed.length);
  return {
    schemaVersion: 1,
    tool: { name: 'blindspot', version: report.version },
    findings: findings.map((f) => jsonFinding(report, f)),
    skipped: report.skipped.map((s) => ({ path: displayPath(report.root, s.path), reason: s.reason })),
    fixed: fixed.map((f) => ({ path: displayPath(report.root, f.path), fixes: f.fixed.map((x) => x.title) })),
    notFixed: report.files.flatMap((f) => (f.fixRefused ? [{ path: displayPath(report.root, f.path), reason: f.fixRefused }] : [])),
    summary: {
      filesChecked: report.files.length,
      filesSkipped: report.skipped.length,
      findings: findings.length,
      fixesApplied: fixed.reduce((n, f) => n + f.fixed.length, 0),
    },
  };
}

export function formatJson(report: CheckReport): string {
  return JSON.stringify(toJson(report), null, 2) + '\n';
}
