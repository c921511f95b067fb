// What a check run produced, in the shape every formatter reads: findings per file, skipped files,
// applied fixes, and a way to turn offsets into the lines and columns each format wants.
import * as path from 'path';
import { LineIndex } from '../engine/text';
import type { Finding, Fix, Rule, Severity } from '../engine/rule';
import { isSkipped, readSource } from './read';

export interface FileOutcome {
  /** Absolute path. */
  path: string;
  findings: Finding[];
  /** Fixes `--fix` wrote to this file. */
  fixed: Fix[];
  /** Why `--fix` left the file as it was, when it did. */
  fixRefused?: string;
}

export interface Skip {
  path: string;
  reason: string;
}

export interface CheckReport {
  /** Paths are shown relative to it (the working folder). */
  root: string;
  files: FileOutcome[];
  skipped: Skip[];
  rules: Rule[];
  version: string;
  lines: SourceLines;
}

export interface Place {
  /** 1-based. */
  line: number;
  /** 1-based, in Unicode code points (what rustc prints). */
  column: number;
  /** 1-based, in UTF-16 code units (SARIF's default column kind, LSP's unit). */
  utf16Column: number;
}

/** Line indexes of the files findings point into; files not seen during the run are read on demand. */
export class SourceLines {
  private readonly indexes = new Map<string, LineIndex | null>();

  constructor(private readonly maxBytes: number) {}

  remember(filePath: string, text: string): void {
    this.indexes.set(filePath, new LineIndex(text));
  }

  index(filePath: string): LineIndex | undefined {
    if (!this.indexes.has(filePath)) {
      const read = readSource(filePath, this.maxBytes);
      this.indexes.set(filePath, isSkipped(read) ? null : new LineIndex(read.text));
    }
    return this.indexes.get(filePath) ?? undefined;
  }

  place(filePath: string, offset: number): Place {
    const index = this.index(filePath);
    if (!index) return { line: 1, column: 1, utf16Column: 1 };
    const { line, character } = index.positionAt(offset);
    return { line: line + 1, column: index.charColumn(offset), utf16Column: character + 1 };
  }
}

export function displayPath(root: string, filePath: string): string {
  const rel = path.relative(root, filePath);
  const inside = rel && !rel.startsWith('..') && !path.isAbsolute(rel);
  return inside ? rel.split(path.sep).join('/') : filePath;
}

export function allFindings(report: CheckReport): Finding[] {
  return report.files.flatMap((f) => f.findings);
}

export const SEVERITY_ORDER: Severity[] = ['hint', 'info', 'warning', 'error'];

export function countBySeverity(findings: Finding[]): Map<Severity, number> {
  const counts = new Map<Severity, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  return counts;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
