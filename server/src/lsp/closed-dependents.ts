// Closed files whose published diagnostics an open document's edits can change. A closed file's findings may point
// into an open file (a lock-order inversion's other half, a cycle's fix edits) or come from workspace rules that
// read it (a cycle through a struct of the open file): typing there moves or changes them before any save. The
// server re-checks such files (debounced); files whose findings reach nowhere else are never touched.
import type { Finding } from '../engine/rule';
import { pathsReferenced, pointsInto, sameFindings, type FileChange } from './dependents';

interface Published {
  /** Findings pointing into other files (related locations, fix edits). */
  crossFile: Finding[];
  /** The workspace rules' findings in this file when it was published. */
  workspace: Finding[];
}

export class ClosedDependents {
  private readonly published = new Map<string, Published>();

  /** A closed file was published with `findings`, `workspace` being the workspace rules' findings in it then. */
  record(filePath: string, findings: readonly Finding[], workspace: readonly Finding[]): void {
    const crossFile = findings.filter((f) => pathsReferenced([f], filePath).size > 0);
    if (crossFile.length || workspace.length) this.published.set(filePath, { crossFile, workspace: [...workspace] });
    else this.published.delete(filePath);
  }

  forget(filePath: string): void {
    this.published.delete(filePath);
  }

  clear(): void {
    this.published.clear();
  }

  /**
   * Closed files to re-check after an open file's analysis: their findings point into the changed part of it, or
   * the workspace findings in them (`current`, the engine's) are no longer the ones published.
   */
  affectedBy(change: FileChange | undefined, current: ReadonlyMap<string, readonly Finding[]>, isOpen: (filePath: string) => boolean): string[] {
    const affected = new Set<string>();
    for (const [filePath, { crossFile, workspace }] of this.published) {
      if (isOpen(filePath)) continue;
      if (change && crossFile.some((f) => pointsInto(f, change))) affected.add(filePath);
      else if (!sameFindings(workspace, current.get(filePath))) affected.add(filePath);
    }
    for (const [filePath, findings] of current) {
      if (findings.length && !this.published.has(filePath) && !isOpen(filePath)) affected.add(filePath);
    }
    return [...affected];
  }
}
