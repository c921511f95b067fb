// Reads a source file as UTF-8 text. Anything that is not (too large, binary, invalid UTF-8,
// unreadable) comes back as a reason to skip it, never as an exception.
import * as fs from 'fs';

export interface SourceText {
  text: string;
  /** The file started with a UTF-8 byte order mark: stripped from `text`, restored on write. */
  bom: boolean;
}

export type ReadResult = SourceText | { skipped: string };

const BOM = [0xef, 0xbb, 0xbf];

function startsWithBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && BOM.every((b, i) => bytes[i] === b);
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
}

export function readSource(filePath: string, maxBytes: number): ReadResult {
  let bytes: Buffer;
  try {
    const size = fs.statSync(filePath).size;
    if (size > maxBytes) return { skipped: `${size} bytes is over the size limit of ${maxBytes} bytes (--max-file-size)` };
    bytes = fs.readFileSync(filePath);
  } catch (error) {
    return { skipped: `cannot read: ${describeError(error)}` };
  }
  if (bytes.includes(0)) return { skipped: 'binary file (contains NUL bytes)' };
  const bom = startsWithBom(bytes);
  try {
    // fatal: reject invalid UTF-8 instead of silently inserting U+FFFD; the decoder drops a leading BOM,
    // so offsets count from the first character after it.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text, bom };
  } catch {
    return { skipped: 'not valid UTF-8' };
  }
}

export function isSkipped(r: ReadResult): r is { skipped: string } {
  return 'skipped' in r;
}

/** Writes through a temporary file in the same folder and a rename, so a crash never leaves half a file. */
export function writeAtomically(filePath: string, source: SourceText): void {
  const temp = `${filePath}.blindspot-${process.pid}-${Date.now().toString(36)}.tmp`;
  const mode = fs.statSync(filePath).mode;
  try {
    fs.writeFileSync(temp, (source.bom ? '\ufeff' : '') + source.text, { encoding: 'utf8', mode });
    fs.renameSync(temp, filePath);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
