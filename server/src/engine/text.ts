// Offsets are UTF-16 code units (what web-tree-sitter and LSP use); the CLI shows columns in characters.

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
  private readonly lineStarts: number[];

  constructor(readonly text: string, lineStarts?: number[]) {
    if (lineStarts) {
      this.lineStarts = lineStarts;
      return;
    }
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /**
   * The index of `text` after replacing [start, end) by `inserted` (`newText` is the result): only the new
   * line breaks are scanned and the later line starts moved, not the whole document (typing in a large file).
   */
  edited(start: number, end: number, inserted: string, newText: string): LineIndex {
    const firstAfter = this.firstLineStartAfter(start);
    let removedUntil = firstAfter;
    while (removedUntil < this.lineStarts.length && this.lineStarts[removedUntil] <= end) removedUntil++;
    const added: number[] = [];
    for (let i = inserted.indexOf('\n'); i >= 0; i = inserted.indexOf('\n', i + 1)) added.push(start + i + 1);
    const delta = inserted.length - (end - start);
    const moved = this.lineStarts.slice(removedUntil);
    for (let i = 0; i < moved.length; i++) moved[i] += delta;
    return new LineIndex(newText, this.lineStarts.slice(0, firstAfter).concat(added, moved));
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
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: clamped - this.lineStarts[low] };
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

export function renderLineMarks(text: string, lines: LineIndex): string {
  return text.includes('\u0002') ? text.replace(LINE_MARK, (_, offset: string) => String(lines.positionAt(Number(offset)).line + 1)) : text;
}
