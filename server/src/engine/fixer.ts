// Applies fixes (plain text edits) to texts. One shared fixer for the CLI's --fix, the server and the tests.
import type { Fix, TextEdit } from './rule';

/** Applies non-overlapping edits; throws on overlap (a rule bug, caught by tests). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let cursor = 0;
  for (const e of sorted) {
    if (e.start < cursor) throw new Error(`overlapping edits at ${e.start}`);
    out += text.slice(cursor, e.start) + e.newText;
    cursor = e.end;
  }
  return out + text.slice(cursor);
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  return a.start < b.end && b.start < a.end || (a.start === b.start && a.end === a.start && b.end === b.start);
}

/**
 * Applies as many fixes as fit together: a fix whose edits overlap an already chosen fix is left out
 * (the next run picks it up). Returns the new texts by path and the fixes applied.
 */
export function applyFixes(texts: Map<string, string>, fixes: Fix[]): { texts: Map<string, string>; applied: Fix[]; skipped: Fix[] } {
  const chosen = new Map<string, TextEdit[]>();
  const applied: Fix[] = [];
  const skipped: Fix[] = [];
  for (const fix of fixes) {
    const clash = fix.edits.some((fe) => !texts.has(fe.path) || fe.edits.some((e) => (chosen.get(fe.path) ?? []).some((c) => overlaps(c, e))));
    if (clash) {
      skipped.push(fix);
      continue;
    }
    for (const fe of fix.edits) chosen.set(fe.path, [...(chosen.get(fe.path) ?? []), ...fe.edits]);
    applied.push(fix);
  }
  const out = new Map(texts);
  for (const [path, edits] of chosen) out.set(path, applyEdits(texts.get(path)!, edits));
  return { texts: out, applied, skipped };
}
