// Which open documents must be re-published when another file changes. A document's diagnostics can point into
// other files (related locations, fix edits) and can hold workspace findings caused by them (a cycle through a
// struct in A, reported in B): when A changes, B is refreshed only if one of those changed, so typing in A never
// re-analyses every open document.
import type { Finding } from '../engine/rule';
import type { OffsetRange } from '../engine/text';

/** An edit to `path` that left [0, from) unchanged: positions before `from` are where they were. */
export interface FileChange {
  path: string;
  from: number;
}

/** True when a range in `path` starts or ends at or after `from` (an insertion at its end counts, to be safe). */
function touches(rangePath: string, range: OffsetRange, change: FileChange): boolean {
  return rangePath === change.path && range.end >= change.from;
}

/** A finding whose related locations, fix edits or fix selection lie in the changed part of another file. */
export function pointsInto(f: Finding, change: FileChange): boolean {
  if (touches(f.path, f.range, change)) return true;
  if (f.related.some((r) => touches(r.path, r.range, change))) return true;
  return f.fixes.some((fix) => (fix.select && touches(fix.select.path, fix.select, change)) || fix.edits.some((fe) => fe.edits.some((e) => touches(fe.path, e, change))));
}

/** Paths other than the finding's own that it points into (related locations, fix edits). */
export function pathsReferenced(findings: readonly Finding[], own: string): Set<string> {
  const paths = new Set<string>();
  for (const f of findings) {
    for (const r of f.related) if (r.path !== own) paths.add(r.path);
    for (const fix of f.fixes) for (const fe of fix.edits) if (fe.path !== own) paths.add(fe.path);
  }
  return paths;
}

/**
 * The engine's workspace findings for a file, before and after: the engine hands out a new list whenever it
 * recomputes or moves them, so identity is tried first and the content compared only when it differs.
 */
export function sameFindings(before: readonly Finding[] | undefined, after: readonly Finding[] | undefined): boolean {
  if (before === after) return true;
  if (!before?.length || !after?.length) return !before?.length && !after?.length;
  return JSON.stringify(before) === JSON.stringify(after);
}
