// Shared by lock-across-await and refcell-across-await: guards alive at a suspension point.
import type { Node } from './parser';
import type { FunctionContext } from './rule';
import { TypeEnv } from './resolve/expr';
import { acquisitionsIn, type Acquisition, type LockKind } from './resolve/locks';
import { guardLife, isAlive, type GuardLife } from './lifetimes';
import { awaitPoints, type AwaitPoint } from './awaits';
import { isAsync } from './syntax';

export interface HeldGuard {
  acq: Acquisition;
  life: GuardLife;
  crossed: AwaitPoint[];
}

export interface FunctionAnalysis {
  env: TypeEnv;
  acquisitions: Acquisition[];
  held(kind: LockKind): HeldGuard[];
}

/**
 * The last analysis, for the lock and RefCell rules, which ask for the same function in turn. Keyed by the file being
 * analysed (a new SourceFile per analysis: an open document's tree outlives keystrokes, edited in place, and its
 * nodes keep their ids), the function's tree (a function parsed alone has its own) and id, the facts and settings.
 */
let last: { file: unknown; tree: unknown; fnId: number; facts: number; settings: unknown; analysis: FunctionAnalysis } | undefined;

/** Analyses one function item once; rules ask it for the guards of the kind they care about. */
export function analyseFunction(ctx: FunctionContext): FunctionAnalysis {
  const key = { file: ctx.file, tree: ctx.fn.tree, fnId: ctx.fn.id, facts: ctx.workspace.version, settings: ctx.settings };
  if (last && last.file === key.file && last.tree === key.tree && last.fnId === key.fnId && last.facts === key.facts && last.settings === key.settings) return last.analysis;
  const analysis = computeAnalysis(ctx);
  last = { ...key, analysis };
  return analysis;
}

function computeAnalysis(ctx: FunctionContext): FunctionAnalysis {
  const env = new TypeEnv(ctx.file, ctx.workspace, ctx.fn, ctx.impl);
  const acquisitions = acquisitionsIn(ctx.fn, env, ctx.settings.extraBlockingGuards);
  const awaitsByBody = new Map<number, AwaitPoint[]>();
  const awaitsOf = (body: Node) => {
    let points = awaitsByBody.get(body.id);
    if (!points) awaitsByBody.set(body.id, (points = awaitPoints(body)));
    return points;
  };
  return {
    env,
    acquisitions,
    held(kind) {
      const out: HeldGuard[] = [];
      for (const acq of acquisitions) {
        if (acq.lock.kind !== kind || !acq.body || !isAsync(acq.body)) continue;
        const points = awaitsOf(acq.body);
        if (points.length === 0) continue;
        const life = guardLife(acq, env, ctx.file.crate.edition);
        // Awaits before the acquisition count only through a loop's next iteration (life.extra).
        const crossed = points.filter((p) => (p.offset >= acq.guard.endIndex || life.extra.length > 0) && isAlive(life, p.offset));
        if (crossed.length) out.push({ acq, life, crossed });
      }
      return out;
    },
  };
}
