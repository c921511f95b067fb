// What a `.lock()`-like call acquires: which kind of lock (blocking, async, RefCell), how sure we are,
// and which declaration the lock comes from (its identity across functions and the place a fix rewrites).
import type { Node } from '../parser';
import { query } from '../parser';
import { enclosingBody } from '../syntax';
import type { TypeEnv, Typed } from './expr';
import { derefTransparent, type TypeRef } from './types';

export type LockKind = 'blocking' | 'async' | 'refcell';

export interface LockType {
  kind: LockKind;
  /** Canonical type path, e.g. `std::sync::Mutex`, or `unknown` when judged by call shape. */
  path: string;
  /** Mutex-like, RwLock-like, map (DashMap) or cell (RefCell). */
  shape: 'mutex' | 'rwlock' | 'map' | 'cell';
}

const BLOCKING: Record<string, LockType['shape']> = {
  'std::sync::Mutex': 'mutex',
  'std::sync::RwLock': 'rwlock',
  'parking_lot::Mutex': 'mutex',
  'parking_lot::FairMutex': 'mutex',
  'parking_lot::ReentrantMutex': 'mutex',
  'parking_lot::RwLock': 'rwlock',
  'lock_api::Mutex': 'mutex',
  'lock_api::ReentrantMutex': 'mutex',
  'lock_api::RwLock': 'rwlock',
  'spin::Mutex': 'mutex',
  'spin::mutex::Mutex': 'mutex',
  'spin::RwLock': 'rwlock',
  'spin::rwlock::RwLock': 'rwlock',
  'dashmap::DashMap': 'map',
};

const ASYNC: Record<string, LockType['shape']> = {
  'tokio::sync::Mutex': 'mutex',
  'tokio::sync::RwLock': 'rwlock',
  'futures::lock::Mutex': 'mutex',
  'futures_util::lock::Mutex': 'mutex',
  'async_lock::Mutex': 'mutex',
  'async_lock::RwLock': 'rwlock',
  'async_std::sync::Mutex': 'mutex',
  'async_std::sync::RwLock': 'rwlock',
  'smol::lock::Mutex': 'mutex',
  'smol::lock::RwLock': 'rwlock',
};

const GUARD_METHODS: Record<LockType['shape'], Set<string>> = {
  mutex: new Set(['lock', 'try_lock', 'lock_arc', 'try_lock_arc', 'try_lock_for', 'try_lock_until']),
  rwlock: new Set(['read', 'write', 'try_read', 'try_write', 'upgradable_read', 'try_upgradable_read', 'read_arc', 'write_arc', 'read_recursive', 'try_read_for', 'try_write_for']),
  map: new Set(['get', 'get_mut', 'entry', 'iter', 'iter_mut', 'try_get', 'try_get_mut', 'try_entry']),
  cell: new Set(['borrow', 'borrow_mut', 'try_borrow', 'try_borrow_mut']),
};

export const ALL_GUARD_METHODS = new Set(Object.values(GUARD_METHODS).flatMap((s) => [...s]));

/** Methods that keep the guard: `m.lock().unwrap()` is still the guard. */
const GUARD_KEEPING = new Set(['unwrap', 'expect', 'unwrap_or_else', 'unwrap_unchecked', 'ok', 'map_err', 'or_default', 'or_insert', 'or_insert_with', 'or_insert_with_key']);

/** What lock a type is, looking through `Arc`, `Rc`, `Box`; undefined when it is no lock we know. */
export function classifyLockType(type: TypeRef, extraBlocking: string[] = []): LockType | undefined {
  const t = derefTransparent(type);
  if (BLOCKING[t.path]) return { kind: 'blocking', path: t.path, shape: BLOCKING[t.path] };
  if (ASYNC[t.path]) return { kind: 'async', path: t.path, shape: ASYNC[t.path] };
  if (t.path === 'std::cell::RefCell') return { kind: 'refcell', path: t.path, shape: 'cell' };
  if (extraBlocking.includes(t.path)) return { kind: 'blocking', path: t.path, shape: /RwLock/.test(t.path) ? 'rwlock' : 'mutex' };
  return undefined;
}

export interface Acquisition {
  /** The `recv.lock()` call. */
  call: Node;
  method: string;
  receiver: Node;
  lock: LockType;
  /** False when the lock kind was judged from the call's shape alone. */
  certain: boolean;
  typed?: Typed;
  /** The top of `recv.lock().unwrap()?`: the expression whose value is the guard. */
  guard: Node;
  /** Identity of the lock: its declaration when known, else the receiver's text. */
  key: string;
  /** The innermost function, closure or async block the acquisition runs in. */
  body: Node | null;
}

function isAwaited(node: Node): boolean {
  return node.parent?.type === 'await_expression';
}

/** `m.lock().unwrap()?` -> the outermost expression still holding the guard. */
export function guardExpression(call: Node): Node {
  let cur = call;
  for (;;) {
    const p = cur.parent;
    if (!p) return cur;
    if (p.type === 'try_expression' || p.type === 'parenthesized_expression') {
      cur = p;
      continue;
    }
    // parking_lot's mapped guards: `MutexGuard::map(m.lock(), |s| &mut s.field)` is still a guard of `m`.
    const mapper = p.type === 'arguments' && p.namedChild(0)?.id === cur.id ? p.parent : null;
    if (mapper?.type === 'call_expression' && /Guard::(try_)?map$/.test(mapper.childForFieldName('function')?.text ?? '')) {
      cur = mapper;
      continue;
    }
    const forwarded = forwardedBy(cur, p);
    if (forwarded) {
      cur = forwarded;
      continue;
    }
    if (p.type === 'field_expression' && p.childForFieldName('value')?.id === cur.id) {
      const call2 = p.parent;
      const method = p.childForFieldName('field')?.text ?? '';
      if (call2?.type === 'call_expression' && call2.childForFieldName('function')?.id === p.id && GUARD_KEEPING.has(method)) {
        cur = call2;
        continue;
      }
    }
    return cur;
  }
}

/** A block or branch whose value is `cur` itself: `{ m.lock().unwrap() }`, `if c { a.lock() } else { b.lock() }`. */
function forwardedBy(cur: Node, p: Node): Node | null {
  if (p.type === 'block' && p.lastNamedChild?.id === cur.id && !/;\s*}$/.test(p.text)) {
    const owner = p.parent;
    if (!owner || owner.type === 'block' || owner.type === 'let_declaration' || owner.type === 'arguments' || owner.type === 'expression_statement') return p;
    if (owner.type === 'if_expression' && owner.childForFieldName('alternative')) return owner;
    if (owner.type === 'else_clause') return owner.parent;
    return null;
  }
  // `match m.lock() { Ok(g) => g, Err(poisoned) => poisoned.into_inner() }`: the poison-tolerant idiom.
  if (p.type === 'match_expression' && p.childForFieldName('value')?.id === cur.id) {
    const arms = p.childForFieldName('body')?.namedChildren.filter((a) => a?.type === 'match_arm') ?? [];
    const passesGuard = arms.some((arm) => {
      const bound = arm?.childForFieldName('pattern')?.text.match(/^\w+\((\w+)\)$/)?.[1];
      const value = arm?.childForFieldName('value');
      return bound && (value?.text === bound || value?.text === `${bound}.into_inner()`);
    });
    return passesGuard ? p : null;
  }
  return null;
}

const IO_HANDLE = /\b(stdout|stderr|stdin)\b/;

/** Reads one call as a lock acquisition; undefined when it is none or we cannot tell. */
export function acquisitionOf(call: Node, env: TypeEnv, extraBlocking: string[] = []): Acquisition | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'field_expression') return undefined;
  const method = fn.childForFieldName('field')?.text ?? '';
  const receiver = fn.childForFieldName('value');
  if (!receiver || !ALL_GUARD_METHODS.has(method)) return undefined;
  const typed = env.typeOf(receiver);
  const known = typed && classifyLockType(typed.type, extraBlocking);
  const base = { call, method, receiver, typed, guard: guardExpression(call), body: enclosingBody(call) };
  if (known) {
    if (!GUARD_METHODS[known.shape].has(method)) return undefined;
    // `.lock().await` is never a blocking lock's guard, whatever the resolver concluded.
    if (known.kind !== 'async' && isAwaited(call)) return undefined;
    return { ...base, lock: known, certain: true, key: typed?.origin?.key ?? receiver.text };
  }
  if (typed) return undefined; // A type we know that is no lock: stay silent.
  return shapeFallback(call, method, receiver, env, base);
}

/** Unknown receiver: `.lock()`/`.read()`/`.write()` with no arguments, not awaited, is a blocking lock. */
function shapeFallback(call: Node, method: string, receiver: Node, env: TypeEnv, base: Omit<Acquisition, 'lock' | 'certain' | 'key'>): Acquisition | undefined {
  if (!['lock', 'read', 'write'].includes(method)) return undefined;
  if ((call.childForFieldName('arguments')?.namedChildCount ?? 0) > 0 || isAwaited(call)) return undefined;
  if (IO_HANDLE.test(receiver.text)) return undefined;
  if (receiver.type === 'identifier') {
    const b = env.locals.resolve(receiver.text, receiver.startIndex);
    if (b?.value && IO_HANDLE.test(b.value.text)) return undefined;
  }
  const shape = method === 'lock' ? 'mutex' : 'rwlock';
  return { ...base, lock: { kind: 'blocking', path: 'unknown', shape }, certain: false, key: receiver.text };
}

const CANDIDATES = `(call_expression function: (field_expression field: (field_identifier) @method)) @call`;

/** A guard method's name as a word: a function whose text has none calls none (checked before the query runs). */
const GUARD_WORD = new RegExp(`\\b(?:${[...ALL_GUARD_METHODS].join('|')})\\b`);

/** Every acquisition inside `root` (a function item), each tagged with the body it runs in. */
export function acquisitionsIn(root: Node, env: TypeEnv, extraBlocking: string[] = []): Acquisition[] {
  if (!GUARD_WORD.test(root.text)) return [];
  const out: Acquisition[] = [];
  for (const m of query(CANDIDATES).matches(root)) {
    const method = m.captures.find((c) => c.name === 'method')?.node.text ?? '';
    const call = m.captures.find((c) => c.name === 'call')?.node;
    if (!call || !ALL_GUARD_METHODS.has(method)) continue;
    const acq = acquisitionOf(call, env, extraBlocking);
    if (acq) out.push(acq);
  }
  return out;
}
