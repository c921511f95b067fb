// Offsets are UTF-16 code units (what web-tree-sitter and LSP use); the CLI shows columns in characters.
import type { TextSource } from './piece-text';

export interface Position {
  line: number;
  /** UTF-16 code units from the start of the line. */
  character: number;
}

export interface OffsetRange {
  start: number;
  end: number;
}

export class LineIndex {
  /** A typed array: one flat allocation the garbage collector does not scan (a copy per keystroke in a large file). */
  private readonly lineStarts: Float64Array;

  constructor(readonly text: TextSource, lineStarts?: Float64Array) {
    if (lineStarts) {
      this.lineStarts = lineStarts;
      return;
    }
    let count = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
    this.lineStarts = new Float64Array(count);
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts[line++] = i + 1;
  }

  /**
   * The index of `text` after replacing [start, end) by `inserted` (`newText` is the result): only the new
   * line breaks are scanned and the later line starts moved, not the whole document (typing in a large file).
   */
  edited(start: number, end: number, inserted: string, newText: TextSource): LineIndex {
    const firstAfter = this.firstLineStartAfter(start);
    let removedUntil = firstAfter;
    while (removedUntil < this.lineStarts.length && this.lineStarts[removedUntil] <= end) removedUntil++;
    const added: number[] = [];
    for (let i = inserted.indexOf('\n'); i >= 0; i = inserted.indexOf('\n', i + 1)) added.push(start + i + 1);
    const delta = inserted.length - (end - start);
    // One array filled in place (no slices and concat): a keystroke in a 10,000-line file allocates one copy.
    const old = this.lineStarts;
    const starts = new Float64Array(firstAfter + added.length + old.length - removedUntil);
    starts.set(old.subarray(0, firstAfter));
    starts.set(added, firstAfter);
    let at = firstAfter + added.length;
    for (let i = removedUntil; i < old.length; i++) starts[at++] = old[i] + delta;
    return new LineIndex(newText, starts);
  }

  /** Index of the first line start greater than `offset`. */
  private firstLineStartAfter(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.lineStarts[mid] <= offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const line = lastAtOrBelow(this.lineStarts, clamped);
    return { line, character: clamped - this.lineStarts[line] };
  }

  /** Clamps out-of-range positions to the document, as LSP asks servers to. */
  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[position.line];
    const end = this.lineEnd(position.line);
    return Math.max(start, Math.min(start + Math.max(0, position.character), end));
  }

  /** Offset of the line's end, before its `\n` (and a `\r` before that). */
  lineEnd(line: number): number {
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] - 1 : this.text.length;
    return next > this.lineStarts[line] && this.text.charCodeAt(next - 1) === 13 ? next - 1 : next;
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** 1-based column counted in Unicode code points, as rustc prints it. */
  charColumn(offset: number): number {
    const { line } = this.positionAt(offset);
    return [...this.text.slice(this.lineStart(line), offset)].length + 1;
  }

  /** Leading whitespace of a line, to indent inserted code like its neighbours. */
  indentOf(line: number): string {
    return /^[ \t]*/.exec(this.lineText(line))![0];
  }
}

/**
 * A line number in a finding's text, written as a mark holding its offset: cached and moved findings stay right
 * when lines are added above them; the engine renders the marks into numbers as it returns the findings.
 */
export function lineMark(offset: number): string {
  return `\u0002${offset}\u0003`;
}

const LINE_MARK = /\u0002(\d+)\u0003/g;

export function mapLineMarks(text: string, map: (offset: number) => number): string {
  return text.includes('\u0002') ? text.replace(LINE_MARK, (_, offset: string) => lineMark(map(Number(offset)))) : text;
}

/** The offsets a text's line marks hold. */
export function lineMarkOffsets(text: string): number[] {
  return text.includes('\u0002') ? [...text.matchAll(LINE_MARK)].map((m) => Number(m[1])) : [];
}

export function renderLineMarks(text: string, lines: LineIndex): string {
  return text.includes('\u0002') ? text.replace(LINE_MARK, (_, offset: string) => String(lines.positionAt(Number(offset)).line + 1)) : text;
}

/** In ascending `sorted` (its first entry at most `value`), the index of the last entry at most `value`. */
export function lastAtOrBelow(sorted: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (sorted[mid] <= value) low = mid;
    else high = mid - 1;
  }
  return low;
}
