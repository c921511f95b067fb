// `--fix`: applies the fixes marked safe, round after round until none is left (a fix can make room
// for another), and refuses the whole file when a round would leave syntax errors the original had not.
import type { Engine } from '../engine/analyze';
import type { CrateInfo } from '../engine/crate';
import type { Node } from '../engine/parser';
import type { Finding, Fix } from '../engine/rule';
import { applyFixes } from '../engine/fixer';

const MAX_ROUNDS = 5;

export interface FixOutcome {
  text: string;
  /** Findings left in `text`. */
  findings: Finding[];
  applied: Fix[];
  /** Set when the file is left untouched although fixes were available. */
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

/** ERROR and MISSING nodes; iterative, since broken files can nest deeply. */
function countSyntaxErrors(root: Node): number {
  if (!root.hasError) return 0;
  let count = 0;
  const stack: Node[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.isError || node.isMissing) count++;
    if (!node.hasError) continue;
    for (const child of node.children) if (child) stack.push(child);
  }
  return count;
}

/** Syntax errors in `text`, or undefined when it could not be parsed in time. */
function syntaxErrors(engine: Engine, text: string): number | undefined {
  const tree = engine.parseText(text);
  if (!tree) return undefined;
  try {
    return countSyntaxErrors(tree.rootNode);
  } finally {
    tree.delete();
  }
}

function applyRound(filePath: string, text: string, fixes: Fix[]): { text: string; applied: Fix[] } | { error: string } {
  try {
    const { texts, applied } = applyFixes(new Map([[filePath, text]]), fixes);
    return { text: texts.get(filePath)!, applied };
  } catch (error) {
    return { error: `a fix has overlapping edits (${error instanceof Error ? error.message : String(error)})` };
  }
}

export function fixFile(engine: Engine, filePath: string, original: string, crate: CrateInfo): FixOutcome {
  const first = engine.checkText(filePath, original, crate);
  if (first.skipped) return { text: original, findings: [], applied: [], skipped: first.skipped };
  let errorsBefore: number | undefined; // parsed only when some fix is about to be applied
  const refuse = (why: string): FixOutcome => {
    engine.indexText(filePath, original); // the workspace must describe the text that stays on disk
    return { text: original, findings: first.findings, applied: [], refused: why };
  };
  let text = original;
  let findings = first.findings;
  const applied: Fix[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const eol = lineEnding(text);
    const fixes = safeFixes(findings).map((fix) => withLineEnding(fix, eol));
    if (!fixes.length) break;
    const next = applyRound(filePath, text, fixes);
    if ('error' in next) return refuse(next.error);
    if (!next.applied.length || next.text === text) break;
    errorsBefore ??= syntaxErrors(engine, original) ?? 0;
    const errorsAfter = syntaxErrors(engine, next.text);
    if (errorsAfter === undefined || errorsAfter > errorsBefore) {
      return refuse(`applying ${next.applied.map((f) => `"${f.title}"`).join(', ')} would leave the file with syntax errors`);
    }
    text = next.text;
    applied.push(...next.applied);
    const again = engine.checkText(filePath, text, crate);
    findings = again.findings;
  }
  return { text, findings, applied };
}
