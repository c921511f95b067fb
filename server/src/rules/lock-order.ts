// lock-order: two locks taken nested in opposite orders in different functions of the workspace. Two threads
// running one each can each hold the first lock and wait forever for the other's.
// Per file, every nested pair (outer held while inner is taken) is kept as rule data; the workspace pass
// matches A→B against B→A across all files.
import type { Node } from '../engine/parser';
import type { Rule, RuleContext, RuleData } from '../engine/rule';
import { equalWhenMoved, mapOffsets } from '../engine/incremental';
import { type Acquisition } from '../engine/resolve/locks';
import { analyseFunction } from '../engine/held-across-await';
import { guardLife, isAlive } from '../engine/lifetimes';
import { functionContext, functionItems } from '../engine/syntax';
import { cacheableFunction } from '../engine/source';
import { mayNestLocks, mustWait, withAwaitedGuard } from './double-lock';

interface LockUse {
  /** Workspace-wide identity of the lock's declaration. */
  key: string;
  /** How it is written here, for messages. */
  text: string;
  method: string;
  shape: string;
  range: { start: number; end: number };
}

/** One nesting: `inner` acquired while a guard of `outer` is alive, in the body starting at `body`. */
interface LockPair {
  outer: LockUse;
  inner: LockUse;
  fnName: string;
  body: number;
}

/** The lock's declaration, qualified by the file declaring it: two `Bank` structs in two files are two types. */
function workspaceKey(acq: Acquisition, path: string): string {
  return `${acq.typed?.origin?.path ?? path}#${acq.key}`;
}

function eligible(acq: Acquisition): boolean {
  const lockKind = acq.lock.kind === 'blocking' || acq.lock.kind === 'async';
  return acq.certain && lockKind && (acq.lock.shape === 'mutex' || acq.lock.shape === 'rwlock') && !/Reentrant/.test(acq.lock.path);
}

function lockUse(acq: Acquisition, path: string): LockUse {
  return { key: workspaceKey(acq, path), text: acq.receiver.text, method: acq.method, shape: acq.lock.shape, range: { start: acq.call.startIndex, end: acq.call.endIndex } };
}

function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** Nested acquisitions of two different locks in one function (each body on its own). */
function pairsOf(ctx: RuleContext, fn: Node, impl: Node | null): LockPair[] {
  if (!mayNestLocks(fn.text)) return [];
  const { env, acquisitions } = analyseFunction({ ...ctx, fn, impl });
  const acqs = acquisitions.map(withAwaitedGuard).filter(eligible);
  if (acqs.length < 2) return [];
  const fnName = fn.childForFieldName('name')?.text ?? '?';
  const pairs: LockPair[] = [];
  for (const outer of acqs) {
    const life = guardLife(outer, env, ctx.file.crate.edition);
    for (const inner of acqs) {
      // `try_lock` gives up instead of waiting: it cannot close a deadlock cycle.
      if (inner === outer || inner.body?.id !== outer.body?.id || /^try_/.test(inner.method)) continue;
      const [outerKey, innerKey] = [workspaceKey(outer, ctx.file.path), workspaceKey(inner, ctx.file.path)];
      const at = inner.call.startIndex;
      if (outerKey === innerKey || at < outer.guard.endIndex || contains(outer.guard, inner.call) || !isAlive(life, at)) continue;
      pairs.push({ outer: lockUse(outer, ctx.file.path), inner: lockUse(inner, ctx.file.path), fnName, body: outer.body?.startIndex ?? fn.startIndex });
    }
  }
  return pairs;
}


/** Pairs of one function by its text, relative to its start: typing re-reads only the function it touched. */
const pairCache = new Map<string, LockPair[]>();
const MAX_CACHED_FUNCTIONS = 4096;

function shiftPair(p: LockPair, delta: number): LockPair {
  return mapOffsets(p, (offset) => offset + delta);
}

function cachedPairsOf(ctx: RuleContext, fn: Node, impl: Node | null, context?: string): LockPair[] {
  const fnText = fn.text;
  if (!mayNestLocks(fnText)) return [];
  if (ctx.settings.checkedOnce) return pairsOf(ctx, fn, impl);
  // Lock identities depend on declarations anywhere (workspace version) and on `Self` (the impl header).
  const header = context ?? functionContext(fn, impl, ctx.file.text);
  const key = `${ctx.workspace.factsKey}\u0000${ctx.file.path}\u0000${ctx.file.crate.edition}\u0000${header}\u0000${fnText}`;
  let relative = pairCache.get(key);
  if (!relative) {
    relative = pairsOf(ctx, fn, impl).map((p) => shiftPair(p, -fn.startIndex));
    if (!cacheableFunction(ctx.file, fn)) return relative.map((p) => shiftPair(p, fn.startIndex));
    if (pairCache.size >= MAX_CACHED_FUNCTIONS) pairCache.delete(pairCache.keys().next().value!);
    pairCache.set(key, relative);
  }
  return relative.map((p) => shiftPair(p, fn.startIndex));
}

/** A lock declared inside a function (a `let` or a parameter): its key holds an offset and only that function can pair with it. */
const isLocal = (key: string) => /#(?:let|param) /.test(key);

function pairsEntry(pairs: LockPair[]): RuleData {
  // Relations are what other files can pair with: function-local locks (keys with offsets) would change on every keystroke.
  const shared = pairs.filter((p) => !isLocal(p.outer.key) && !isLocal(p.inner.key));
  const relations = shared.map((p) => `${p.outer.key}:${p.outer.method}>${p.inner.key}:${p.inner.method}@${p.fnName}`);
  return { signature: JSON.stringify(pairs), relations: relations.join('\n'), data: pairs };
}

/** `p` (A then B) and `q` (B then A) deadlock when each one's wait conflicts with the other's hold. */
function inverted(p: LockPair, q: LockPair): boolean {
  return p.outer.key === q.inner.key && p.inner.key === q.outer.key && mustWait(p.inner.shape, q.outer.method, p.inner.method) && mustWait(q.inner.shape, p.outer.method, q.inner.method);
}

export const lockOrder: Rule = {
  id: 'lock-order',
  severity: 'warning',
  docs: {
    summary: 'Two locks are taken nested in opposite orders in different functions: a lock-order deadlock.',
    whatItDoes:
      'Records, for every function in the workspace, which lock is acquired while a guard of another lock is alive (guard lifetimes by Rust\'s drop rules). Locks are identified by their declaration: a struct field (`self.accounts` and `self.audit` are the fields of one type), a static, or the same local binding and its clones (threads and closures of one function). When one place takes A then B and another takes B then A, both inner acquisitions are reported, each linking to the other.',
    whyBad:
      'If two threads run the two paths at the same time, the first holds A and waits for B while the second holds B and waits for A. Neither can continue: a deadlock that only shows under load, never in a unit test, and leaves no error message.',
    example: 'fn deposit(&self) {\n    let _a = self.accounts.lock().unwrap();\n    let _l = self.log.lock().unwrap(); // accounts -> log\n}\nfn audit(&self) {\n    let _l = self.log.lock().unwrap();\n    let _a = self.accounts.lock().unwrap(); // log -> accounts: deadlock\n}',
    useInstead:
      'Pick one global order and take the locks in that order everywhere (document it next to the fields), or avoid holding one lock while taking another: copy what you need out of the first guard and drop it before locking the second. Merging data that is always locked together into one Mutex also removes the problem.',
    differences:
      'clippy has no counterpart (it does not reason across functions). Only locks whose type is known (`Mutex`, `RwLock` of std, parking_lot, spin, tokio, async-lock) are considered; two read guards of an RwLock never conflict, and reentrant mutexes are skipped.',
  },
  collectFileData(ctx) {
    const pairs: LockPair[] = [];
    for (const { fn, impl, context } of functionItems(ctx.file.root)) pairs.push(...cachedPairsOf(ctx, fn, impl, context));
    return pairsEntry(pairs);
  },
  forgetFunctionCaches: () => pairCache.clear(),
  updateFileData(ctx, previous, edit) {
    const pairs = previous.data as LockPair[];
    // Most files take no two locks together: nothing to move, nothing to compare.
    if (pairs.length === 0 && !mayNestLocks(ctx.fn.text)) return { entry: previous, unchanged: true };
    const start = ctx.fn.startIndex;
    const before = pairs.filter((p) => p.body < start);
    const own = pairs.filter((p) => p.body >= start && p.body < edit.oldFnEnd);
    const after = pairs.filter((p) => p.body >= edit.oldFnEnd).map((p) => mapOffsets(p, edit.map));
    const fresh = cachedPairsOf(ctx, ctx.fn, ctx.impl);
    const unchanged = equalWhenMoved(own, fresh, edit.map);
    return { entry: pairsEntry([...before, ...fresh, ...after]), unchanged };
  },
  checkWorkspace(ctx) {
    const all: { path: string; pair: LockPair }[] = [];
    for (const { path, data } of ctx.workspace.ruleDataOf<LockPair[]>('lock-order')) for (const pair of data) all.push({ path, pair });
    const byOuter = new Map<string, { path: string; pair: LockPair }[]>();
    for (const entry of all) byOuter.set(entry.pair.outer.key, [...(byOuter.get(entry.pair.outer.key) ?? []), entry]);
    for (const { path, pair } of all) {
      const opposite = (byOuter.get(pair.inner.key) ?? []).filter((o) => inverted(pair, o.pair) && (o.path !== path || o.pair.body !== pair.body));
      if (opposite.length === 0) continue;
      const first = opposite[0];
      ctx.report(path, {
        range: pair.inner.range,
        message: `lock order inversion: \`${pair.inner.text}\` is taken while \`${pair.outer.text}\` is held, but \`${first.pair.fnName}\` takes them the other way round: two threads can deadlock`,
        related: opposite.slice(0, 5).map((o) => ({ path: o.path, range: o.pair.inner.range, message: `\`${o.pair.inner.text}\` taken while \`${o.pair.outer.text}\` is held (in \`${o.pair.fnName}\`)` })),
        notes: ['Take the two locks in one agreed order everywhere, or release the first before taking the second.'],
      });
    }
  },
};
