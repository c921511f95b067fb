// double-lock: the same lock is acquired again while a guard from it is still alive in the same body.
// std and parking_lot mutexes are not reentrant: the second acquisition waits for itself forever.
import type { Node } from '../engine/parser';
import type { Fix, FunctionContext, Rule } from '../engine/rule';
import type { TypeEnv } from '../engine/resolve/expr';
import { guardExpression, type Acquisition } from '../engine/resolve/locks';
import { analyseFunction } from '../engine/held-across-await';
import { guardLife, isAlive, type GuardLife } from '../engine/lifetimes';
import { bindScrutineeFix, insertBefore } from '../engine/fixes/end-guard';
import { statementIn } from '../engine/syntax';

const EXCLUSIVE = new Set(['write', 'try_write', 'write_arc', 'try_write_for']);
const UPGRADABLE = new Set(['upgradable_read', 'try_upgradable_read']);
/** A failed `try_*` returns instead of waiting: the second acquisition cannot deadlock. */
const NON_BLOCKING = /^try_/;

/** Locks that may be taken again by the thread holding them. */
const REENTRANT = new Set(['parking_lot::ReentrantMutex', 'lock_api::ReentrantMutex']);

/** Whether holding a guard taken with `held` makes `wanted` on the same lock wait: always for a mutex; for an RwLock unless both read. */
export function mustWait(shape: string, held: string, wanted: string): boolean {
  if (shape === 'mutex') return true;
  if (shape !== 'rwlock') return false;
  if (EXCLUSIVE.has(held) || EXCLUSIVE.has(wanted)) return true;
  return UPGRADABLE.has(held) && UPGRADABLE.has(wanted);
}

/** Both acquisitions of one lock we can name: same declaration, or (judged by shape) the same receiver text. */
function sameLock(first: Acquisition, second: Acquisition): boolean {
  if (first.key !== second.key) return false;
  // `Account.balance` names a field of every Account: `from.balance` and `to.balance` are two locks.
  if (isInstanceField(first.key) && first.receiver.text !== second.receiver.text) return false;
  if (first.certain && second.certain) return true;
  // Unknown types: only two plain `.lock()` calls on the same path are trusted.
  return first.method === 'lock' && second.method === 'lock' && /^(self\.)?[\w.]+$/.test(first.receiver.text);
}

/** A key naming a field of whichever instance (`Type.field`), not one declaration (`static X`, `let x@12`). */
/** Mutex and RwLock acquisition methods, as text: a function with fewer than two has no nested acquisitions. */
const ACQUIRE_TEXT = /\.\s*(?:lock|read|write|try_lock|try_read|try_write|upgradable_read|try_upgradable_read|lock_arc|read_arc|write_arc|read_recursive|try_\w+_for|try_lock_until)\s*\(/g;

export function mayNestLocks(text: string): boolean {
  const matches = text.match(ACQUIRE_TEXT);
  return !!matches && matches.length >= 2;
}

export function isInstanceField(key: string): boolean {
  return !/^(static|let|param) /.test(key) && key.includes('.');
}

function eligible(acq: Acquisition): boolean {
  return (acq.lock.kind === 'blocking' || acq.lock.kind === 'async') && !REENTRANT.has(acq.lock.path) && (acq.lock.shape === 'mutex' || acq.lock.shape === 'rwlock');
}

/** An async lock's guard is the awaited value: `let g = m.lock().await;` binds it. */
export function withAwaitedGuard(acq: Acquisition): Acquisition {
  const p = acq.guard.parent;
  return acq.lock.kind === 'async' && p?.type === 'await_expression' ? { ...acq, guard: guardExpression(p) } : acq;
}

interface DoubleLock {
  first: Acquisition;
  second: Acquisition;
  life: GuardLife;
}

function findDoubleLocks(acqs: Acquisition[], env: TypeEnv, ctx: FunctionContext): DoubleLock[] {
  const found: DoubleLock[] = [];
  const lives = new Map<Acquisition, GuardLife>();
  const lifeOf = (a: Acquisition) => lives.get(a) ?? lives.set(a, guardLife(a, env, ctx.file.crate.edition)).get(a)!;
  for (const second of acqs) {
    if (!eligible(second) || NON_BLOCKING.test(second.method)) continue;
    for (const first of acqs) {
      if (first === second || !eligible(first) || first.body?.id !== second.body?.id) continue;
      if (!sameLock(first, second) || !mustWait(first.lock.shape, first.method, second.method)) continue;
      const at = second.call.startIndex;
      const life = lifeOf(first);
      // Before the first acquisition only through a loop's next iteration.
      if ((at < first.guard.endIndex && life.extra.length === 0) || contains(first.guard, second.call) || !isAlive(life, at)) continue;
      found.push({ first, second, life });
      break;
    }
  }
  return found;
}

function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** `let g = m.lock(); …; m.lock()` with no use of `g` from that statement on: `drop(g);` before it. */
function dropFirstFix(ctx: FunctionContext, d: DoubleLock, env: TypeEnv): Fix | undefined {
  const { life } = d;
  if (life.kind !== 'named' || life.bindings.length !== 1 || life.moves.length > 0) return undefined;
  const binding = life.bindings[0];
  const block = binding.statement?.parent;
  const statement = block && statementIn(block, d.second.call);
  if (!statement || !binding.statement || statement.startIndex < binding.statement.endIndex) return undefined;
  if (env.locals.references(binding).some((r) => r.startIndex >= statement.startIndex)) return undefined;
  if (env.locals.resolve(binding.name, statement.startIndex) !== binding) return undefined;
  return {
    title: `Release \`${binding.name}\` first: insert \`drop(${binding.name});\``,
    preferred: true,
    safe: true,
    edits: [{ path: ctx.file.path, edits: [insertBefore(ctx, statement, `drop(${binding.name});`)] }],
  };
}

/** `match` / `if let` / `while let` when the guard is a temporary of that expression's scrutinee. */
function scrutineeOwner(guard: Node): string | undefined {
  for (let cur: Node = guard, p = guard.parent; p; cur = p, p = p.parent) {
    if (p.type === 'match_expression' && p.childForFieldName('value')?.id === cur.id) return 'match';
    if (p.type === 'let_condition' && p.childForFieldName('value')?.id === cur.id) return p.parent?.type === 'while_expression' ? 'while let' : 'if let';
    if (p.type.endsWith('_statement') || p.type === 'let_declaration' || p.type === 'block') return undefined;
  }
  return undefined;
}

function describeFirst(d: DoubleLock): string {
  switch (d.life.kind) {
    case 'named':
      return `the guard \`${d.life.bindings.map((b) => b.name).join(', ')}\` from the first acquisition is still in scope`;
    case 'extended':
      return 'a reference into the first guard keeps it alive to the end of the block';
    default: {
      const owner = scrutineeOwner(d.first.guard);
      return owner
        ? `the first guard, a temporary of the \`${owner}\` scrutinee, lives until the end of the whole \`${owner}\``
        : 'the first guard is a temporary that lives to the end of the statement';
    }
  }
}

export const doubleLock: Rule = {
  id: 'double-lock',
  severity: 'error',
  // Every acquisition `mayNestLocks` counts contains one of these: functions without any are skipped before the rule runs.
  mentions: ['lock', 'read', 'write', 'try_'],
  docs: {
    summary: 'The same lock is acquired again while a guard from it is still alive: a self-deadlock.',
    whatItDoes:
      'Finds a second acquisition of a `Mutex` (std, parking_lot, spin, tokio, async) or a conflicting `RwLock` acquisition (a write while a read or write guard lives) while a guard from the same lock is alive in the same body. Guard lifetimes follow Rust\'s drop rules, edition-aware: a named guard lives to the end of its block unless dropped or moved; a `match`, `if let` or `while let` scrutinee temporary lives through the whole expression (in Rust 2024, `if let` temporaries end before `else`). Locks are identified by their declaration (`self.field`, a static, a local and its clones).',
    whyBad:
      'These locks are not reentrant. The second `lock()` waits for the guard the same thread (or task) holds, which is only released after the second `lock()` returns: the thread hangs forever (std may also panic). The scrutinee case is the classic: `match map.lock().unwrap().get(&k) { None => { map.lock().unwrap().insert(..) } .. }` looks like two separate calls.',
    example: 'match cache.lock().unwrap().get(&key) {\n    Some(v) => v.clone(),\n    None => {\n        let v = load(&key);\n        cache.lock().unwrap().insert(key, v.clone()); // deadlock\n        v\n    }\n}',
    useInstead:
      'let cached = cache.lock().unwrap().get(&key).cloned(); // the guard ends here\nmatch cached {\n    Some(v) => v,\n    None => {\n        let v = load(&key);\n        cache.lock().unwrap().insert(key, v.clone());\n        v\n    }\n}\n// or keep one guard for both steps:\nlet mut map = cache.lock().unwrap();\nmap.entry(key).or_insert_with(|| load(&key)).clone()',
    differences:
      'clippy has no counterpart (the `significant_drop_in_scrutinee` lint in the nursery warns about scrutinee temporaries in general, not about the deadlock). Reentrant mutexes, `try_lock`/`try_write` second attempts and two read guards of one RwLock are not flagged.',
  },
  checkFunction(ctx) {
    if (!mayNestLocks(ctx.fn.text)) return;
    // The same analysis lock-across-await and refcell-across-await read (computed once per function).
    const { env, acquisitions } = analyseFunction(ctx);
    const acqs = acquisitions.map(withAwaitedGuard);
    if (acqs.length < 2) return;
    for (const d of findDoubleLocks(acqs, env, ctx)) {
      const fixes = [bindScrutineeFix(ctx, { acq: d.first, life: d.life, crossed: [] }, env), dropFirstFix(ctx, d, env)].filter((f): f is Fix => f !== undefined);
      ctx.report({
        range: { start: d.second.call.startIndex, end: d.second.call.endIndex },
        message: `\`${d.second.receiver.text}\` is locked again while ${describeFirst(d)}: this deadlocks`,
        related: [{ path: ctx.file.path, range: { start: d.first.call.startIndex, end: d.first.call.endIndex }, message: 'first acquired here' }],
        notes: [
          d.first.certain ? `\`${d.first.receiver.text}\` is a ${d.first.lock.path}, which is not reentrant.` : `The type of \`${d.first.receiver.text}\` is not known; both calls are \`.lock()\` on the same path.`,
          'End the first guard before locking again: bind the value you need first, add a block around the guard, or `drop(guard)`.',
        ],
        fixes,
      });
    }
  },
};
