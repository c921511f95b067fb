// Runs one fuzz input through everything a user's file goes through: the CLI's decode path (for bytes),
// Engine.checkText (the CLI and scan path), an open document with incremental edits (the server path),
// position conversions and fix application. A "crash" is any exception, any rule error, or an
// out-of-bounds offset; everything else must end with findings or a skip reason.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Engine } from '../../server/src/engine/analyze';
import { applyEdits } from '../../server/src/engine/fixer';
import type { Finding } from '../../server/src/engine/rule';
import { LineIndex } from '../../server/src/engine/text';
import { isSkipped, readSource } from '../../server/src/cli/read';
import { makeRandom, randomInt, type FuzzInput } from './inputs';

export interface CaseOutcome {
  name: string;
  /** What went wrong; undefined when the input was handled. */
  crash?: string;
  /** The engine's or decoder's reason for not analysing it. */
  skipped?: string;
  findings: number;
  ms: number;
}

/** The largest text the document (typing) path is exercised on: it re-parses per edit. */
const MAX_DOCUMENT_CASE = 2_000_000;

export function makeFuzzEngine(): { engine: Engine; ruleErrors: string[] } {
  const engine = new Engine();
  const ruleErrors: string[] = [];
  engine.onRuleError = (ruleId, _path, error) => {
    ruleErrors.push(`rule ${ruleId} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  };
  return { engine, ruleErrors };
}

/** Bytes go through the CLI's reader, exactly as a file on disk would. */
function decode(bytes: Uint8Array, maxBytes: number): { text: string } | { skipped: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-fuzz-'));
  const file = path.join(dir, 'input.rs');
  try {
    fs.writeFileSync(file, bytes);
    const read = readSource(file, maxBytes);
    return isSkipped(read) ? read : { text: read.text };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Offsets must lie inside the text, fixes must apply, positions must convert. */
function checkFindings(findings: Finding[], text: string, filePath: string): string | undefined {
  const lines = new LineIndex(text);
  const inside = (r: { start: number; end: number }) => r.start >= 0 && r.start <= r.end && r.end <= text.length;
  for (const f of findings) {
    if (!inside(f.range)) return `${f.ruleId}: range ${f.range.start}-${f.range.end} outside a text of ${text.length}`;
    lines.positionAt(f.range.start);
    lines.charColumn(f.range.end);
    for (const fix of f.fixes) {
      for (const fe of fix.edits) {
        if (fe.path !== filePath) continue;
        if (!fe.edits.every(inside)) return `${f.ruleId}: fix "${fix.title}" edits outside the text`;
        applyEdits(text, fe.edits);
      }
    }
  }
  return undefined;
}

/**
 * The server's path: open, analyse, a few single-character edits re-parsed incrementally, close. Half the time the
 * document settles between edits (the whole-file parse the server runs when idle), half the time edits follow back to back.
 */
function exerciseDocument(engine: Engine, filePath: string, text: string, seed: number): string | undefined {
  const rand = makeRandom(seed);
  const doc = engine.openDocument(filePath, text);
  try {
    doc.analyze();
    for (let n = 0; n < 3; n++) {
      const at = randomInt(rand, doc.text.length + 1);
      const change = rand() < 0.5 ? { start: at, end: at, text: pick3(rand) } : { start: at, end: Math.min(doc.text.length, at + 1), text: '' };
      doc.applyChanges([change]);
      let result = doc.analyze();
      if (rand() < 0.5 && doc.settle()) result = doc.analyze();
      if (doc.text.length > text.length + 10) return 'document text grew more than the edits';
      const bad = result.skipped ? undefined : checkFindings(result.findings, doc.text, filePath);
      if (bad) return `after edit: ${bad}`;
    }
  } finally {
    doc.dispose();
  }
  return undefined;
}

function pick3(rand: () => number): string {
  const options = ['x', '{', '}', '(', ';', '\n', '.', 'é', '😀'];
  return options[randomInt(rand, options.length)];
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Runs one input; never throws. */
export function runCase(engine: Engine, ruleErrors: string[], input: FuzzInput, seed = 1): CaseOutcome {
  const started = performance.now();
  const filePath = `/fuzz/${input.name.replace(/[^\w.+-]/g, '_')}.rs`;
  const done = (o: Omit<CaseOutcome, 'name' | 'ms'>): CaseOutcome => ({ name: input.name, ms: performance.now() - started, ...o });
  ruleErrors.length = 0;
  try {
    let text: string;
    if ('bytes' in input) {
      const decoded = decode(input.bytes, engine.settings.maxFileBytes);
      if ('skipped' in decoded) return done({ skipped: decoded.skipped, findings: 0, crash: decoded.skipped ? undefined : 'empty skip reason' });
      text = decoded.text;
    } else {
      text = input.text;
    }
    const result = engine.checkText(filePath, text);
    if (result.skipped !== undefined) {
      return done({ skipped: result.skipped, findings: 0, crash: result.skipped ? ruleErrors[0] : 'empty skip reason' });
    }
    const bad = checkFindings(result.findings, text, filePath);
    if (bad) return done({ crash: bad, findings: result.findings.length });
    if (ruleErrors.length) return done({ crash: ruleErrors[0], findings: result.findings.length });
    if (text.length <= MAX_DOCUMENT_CASE) {
      const docBad = exerciseDocument(engine, filePath, text, seed);
      if (docBad || ruleErrors.length) return done({ crash: docBad ?? ruleErrors[0], findings: result.findings.length });
    }
    engine.workspace.removeFile(filePath);
    return done({ findings: result.findings.length });
  } catch (error) {
    engine.workspace.removeFile(filePath);
    return done({ crash: describe(error), findings: 0 });
  }
}

/** Saves a crashing input where the regression test picks it up. */
export function saveRegression(dir: string, input: FuzzInput): string {
  fs.mkdirSync(dir, { recursive: true });
  const base = input.name.replace(/[^\w.+-]/g, '_').slice(0, 80);
  const file = path.join(dir, 'bytes' in input ? `${base}.bin` : `${base}.rs`);
  fs.writeFileSync(file, 'bytes' in input ? input.bytes : input.text);
  return file;
}

/** Regression inputs: `.rs` files are text given to the engine as is, `.bin` files go through the decoder. */
export function loadRegressions(dir: string): FuzzInput[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.rs') || f.endsWith('.bin'))
    .sort()
    .map((f) => {
      const full = path.join(dir, f);
      return f.endsWith('.bin') ? { name: `regression:${f}`, bytes: fs.readFileSync(full) } : { name: `regression:${f}`, text: fs.readFileSync(full, 'utf8') };
    });
}
