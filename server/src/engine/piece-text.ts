// An open document's text as flat pieces of a few thousand characters, so that a keystroke copies one piece.
//
// V8 builds `text.slice(0, i) + typed + text.slice(j)` as a rope and copies all of it into a new flat string on
// the next read. In a 10,000-line file (325,000 characters, two bytes each once one non-Latin-1 character is in it)
// that copy is a large-object allocation per keystroke: 0.5 ms at the median and 1.6 ms at p95, measured, which is
// as much as the incremental re-parse's own work. Pieces keep each copy in the young generation.

/** What the engine reads from a text: a string is one, and so is a PieceText. */
export interface TextSource {
  readonly length: number;
  slice(start?: number, end?: number): string;
  charCodeAt(index: number): number;
  indexOf(search: string, from?: number): number;
  lastIndexOf(search: string, from?: number): number;
  includes(search: string): boolean;
  startsWith(search: string, position?: number): boolean;
  toString(): string;
}

/** A piece is split in two when an edit makes it longer than this; new texts are cut at half of it. */
const MAX_PIECE = 16_384;
const CUT_AT = MAX_PIECE / 2;

export class PieceText implements TextSource {
  readonly length: number;
  /** Where each piece starts in the text. */
  private readonly starts: number[];
  /** The whole text, joined on first demand (a whole-file analysis, a code action). */
  private joined: string | undefined;

  private constructor(private readonly pieces: string[]) {
    this.starts = new Array<number>(pieces.length);
    let at = 0;
    for (let i = 0; i < pieces.length; i++) {
      this.starts[i] = at;
      at += pieces[i].length;
    }
    this.length = at;
  }

  static of(text: string): PieceText {
    const pieces = cutIntoPieces(text);
    const result = new PieceText(pieces);
    result.joined = text;
    return result;
  }

  /** The text with [start, end) replaced by `inserted` (offsets clamped as by the caller). */
  edited(start: number, end: number, inserted: string): PieceText {
    if (this.pieces.length === 0) return PieceText.of(inserted);
    const first = this.pieceAt(start);
    const last = end > start ? this.pieceAt(end - 1) : first;
    const merged = this.pieces[first].slice(0, start - this.starts[first]) + inserted + this.pieces[last].slice(end - this.starts[last]);
    const replacement = merged.length > MAX_PIECE ? cutIntoPieces(merged) : merged.length ? [merged] : [];
    return new PieceText([...this.pieces.slice(0, first), ...replacement, ...this.pieces.slice(last + 1)]);
  }

  toString(): string {
    return (this.joined ??= this.pieces.join(''));
  }

  slice(start = 0, end = this.length): string {
    if (this.joined !== undefined) return this.joined.slice(start, end);
    const from = clampIndex(start, this.length);
    const to = clampIndex(end, this.length);
    if (to <= from) return '';
    const first = this.pieceAt(from);
    const firstEnd = this.starts[first] + this.pieces[first].length;
    if (to <= firstEnd) return this.pieces[first].slice(from - this.starts[first], to - this.starts[first]);
    let result = this.pieces[first].slice(from - this.starts[first]);
    for (let i = first + 1; i < this.pieces.length && this.starts[i] < to; i++) result += this.pieces[i].slice(0, to - this.starts[i]);
    return result;
  }

  charCodeAt(index: number): number {
    if (index < 0 || index >= this.length) return NaN;
    const i = this.pieceAt(index);
    return this.pieces[i].charCodeAt(index - this.starts[i]);
  }

  indexOf(search: string, from = 0): number {
    if (this.joined !== undefined) return this.joined.indexOf(search, from);
    // As String.prototype.indexOf: the start is clamped to [0, length].
    const start = Math.min(Math.max(Math.trunc(from) || 0, 0), this.length);
    if (!search.length) return start;
    // Each piece is searched with the start of the next appended, for matches that straddle the two.
    for (let i = start < this.length ? this.pieceAt(start) : this.pieces.length; i < this.pieces.length; i++) {
      const pieceStart = this.starts[i];
      const window = this.slice(Math.max(start, pieceStart), pieceStart + this.pieces[i].length + search.length - 1);
      const found = window.indexOf(search);
      if (found >= 0) return Math.max(start, pieceStart) + found;
    }
    return -1;
  }

  lastIndexOf(search: string, from = Infinity): number {
    if (this.joined !== undefined) return this.joined.lastIndexOf(search, from);
    // As String.prototype.lastIndexOf: NaN searches from the end, the start is clamped to [0, length].
    const position = Number.isNaN(from) ? Infinity : Math.trunc(from);
    const last = Math.min(Math.max(position, 0), this.length - search.length);
    if (last < 0) return -1;
    if (!search.length) return last;
    // Each piece is searched with enough of the next appended for the matches starting in it.
    for (let i = this.pieceAt(last); i >= 0; i--) {
      const pieceStart = this.starts[i];
      const lastStartHere = Math.min(last, pieceStart + this.pieces[i].length - 1);
      const found = this.slice(pieceStart, lastStartHere + search.length).lastIndexOf(search, last - pieceStart);
      if (found >= 0) return pieceStart + found;
    }
    return -1;
  }

  includes(search: string): boolean {
    return this.indexOf(search) >= 0;
  }

  startsWith(search: string, position = 0): boolean {
    return this.slice(position, position + search.length) === search;
  }

  /**
   * From `index` to the end of its piece: what a parsed tree reads for `node.text` (web-tree-sitter concatenates
   * reads until it has the node's length, so the halves of a surrogate pair cut by an edit are joined again).
   */
  restOfPiece(index: number): string {
    if (index >= this.length) return '';
    const i = this.pieceAt(index);
    return this.pieces[i].slice(index - this.starts[i]);
  }

  /** Same characters, compared piece by piece (no joined copy of either). */
  equals(other: TextSource): boolean {
    if (other === this) return true;
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.pieces.length; i++) {
      if (other.slice(this.starts[i], this.starts[i] + this.pieces[i].length) !== this.pieces[i]) return false;
    }
    return true;
  }

  /** The piece holding `index` (the last piece for index = length). */
  private pieceAt(index: number): number {
    let low = 0;
    let high = this.pieces.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid] <= index) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** Two texts with the same characters, whatever each is kept as. */
export function sameText(a: TextSource, b: TextSource): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  if (a instanceof PieceText) return a.equals(b);
  if (b instanceof PieceText) return b.equals(a);
  return a.toString() === b.toString();
}

function clampIndex(index: number, length: number): number {
  if (index < 0) return Math.max(0, length + index);
  return Math.min(index, length);
}

/** Pieces of CUT_AT characters, never cut between the halves of a surrogate pair. */
function cutIntoPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + CUT_AT);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    pieces.push(text.slice(at, end));
    at = end;
  }
  return pieces;
}
