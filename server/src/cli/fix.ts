// `--fix`: applies the fixes marked safe, round after round until none is left (a fix can make room
// for another). A file is only ever rewritten when it parsed cleanly before and parses cleanly after:
// one with syntax errors is never fixed, and a round that would leave any ERROR or MISSING node
// leaves the whole file untouched.
import type { Engine } from '../engine/analyze';
import type { CrateInfo } from '../engine/crate';
import type { Finding, Fix } from '../engine/rule';
import { applyFixes } from '../engine/fixer';

const MAX_ROUNDS = 5;

/** Why a file is left as it is; check.ts prints `not fixed: FILE REASON`. */
export const SYNTAX_ERRORS = 'has syntax errors';
export const WOULD_NOT_PARSE = 'would not parse after the fix';
const PARSE_TIMEOUT = 'could not be re-parsed in time to verify the fix';

export interface FixOutcome {
  text: string;
  /** Findings left in `text`. */
  findings: Finding[];
  applied: Fix[];
  /** Set when the file is left untouched although fixes were available: follows the file's name. */
  refused?: string;
  /** The engine could not analyse the file at all. */
  skipped?: string;
}

/** One safe fix per finding: the preferred one when it is safe, else the first safe one. */
function safeFixes(findings: Finding[]): Fix[] {
  return findings.flatMap((f) => {
    const safe = f.fixes.filter((fix) => fix.safe);
    const pick = safe.find((fix) => fix.preferred) ?? safe[0];
    return pick ? [pick] : [];
  });
}

/** The file's line ending: rules write `\n` in their edits, a CRLF file should stay CRLF. */
function lineEnding(text: string): '\r\n' | '\n' {
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1;
  return crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
}

function withLineEnding(fix: Fix, eol: '\r\n' | '\n'): Fix {
  if (eol === '\n') return fix;
  const edits = fix.edits.map((fe) => ({ ...fe, edits: fe.edits.map((e) => ({ ...e, newText: e.newText.replace(/\r?\n/g, eol) })) }));
  return { ...fix, edits };
}

/**
 * Whether `text` parses with no ERROR or MISSING node; undefined when the parse timed out.
 * `hasError` covers both kinds (web-tree-sitter sets it for missing nodes too).
 */
function parsesCleanly(engine: Engine, text: string): boolean | undefined {
  const tree = engine.parseText(text);
  if (!tree) return undefined;
  try {
    return !tree.rootNode.hasError;
  } finally {
    tree.delete();
  }
}

function applyRound(filePath: string, text: string, fixes: Fix[]): { text: string; applied: Fix[] } | { error: string } {
  try {
    const { texts, applied } = applyFixes(new Map([[filePath, text]]), fixes);
    return { text: texts.get(filePath)!, applied };
  } catch (error) {
    return { error: `has a fix with overlapping edits (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** `wanted` limits the fixes to the findings the run reports (`--severity`): nothing unseen is rewritten. */
export function fixFile(engine: Engine, filePath: string, original: string, crate: CrateInfo, wanted: (f: Finding) => boolean = () => true): FixOutcome {
  const first = engine.checkText(filePath, original, crate);
  if (first.skipped) return { text: original, findings: [], applied: [], skipped: first.skipped };
  const refuse = (why: string): FixOutcome => {
    engine.indexText(filePath, original); // the workspace must describe the text that stays on disk
    return { text: original, findings: first.findings, applied: [], refused: why };
  };
  let text = original;
  let findings = first.findings;
  const applied: Fix[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const eol = lineEnding(text);
    const fixes = safeFixes(findings.filter(wanted)).map((fix) => withLineEnding(fix, eol));
    if (!fixes.length) break;
    const next = applyRound(filePath, text, fixes);
    if ('error' in next) return refuse(next.error);
    if (!next.applied.length || next.text === text) break;
    // A broken file's tree is tree-sitter's guess: fixes computed on it may land anywhere.
    const before = round === 0 ? parsesCleanly(engine, original) : true;
    if (before !== true) return refuse(before === false ? SYNTAX_ERRORS : PARSE_TIMEOUT);
    const after = parsesCleanly(engine, next.text);
    if (after !== true) return refuse(after === false ? `${WOULD_NOT_PARSE} (${next.applied.map((f) => `"${f.title}"`).join(', ')})` : PARSE_TIMEOUT);
    text = next.text;
    applied.push(...next.applied);
    const again = engine.checkText(filePath, text, crate);
    findings = again.findings;
  }
  return { text, findings, applied };
}
