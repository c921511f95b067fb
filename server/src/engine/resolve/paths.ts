// Turns the names written in a file into canonical paths (`M` -> `std::sync::Mutex`) using its `use` items.
import type { Node } from '../parser';

/** Local name -> full path, from `use` declarations; globs keep their module paths. */
export interface UseMap {
  names: Map<string, string>;
  globs: string[];
  /** The enclosing module's map, seen through `use super::*`. */
  parent?: UseMap;
  /** Maps of the file's inline modules by the start offset of their body (shared by all maps of a file). */
  modules?: Map<number, UseMap>;
}

export function emptyUseMap(): UseMap {
  return { names: new Map(), globs: [] };
}

/** Names the prelude brings into every module. */
const PRELUDE: Record<string, string> = {
  Box: 'std::boxed::Box',
  Vec: 'std::vec::Vec',
  Option: 'std::option::Option',
  Some: 'std::option::Option::Some',
  None: 'std::option::Option::None',
  Result: 'std::result::Result',
  Ok: 'std::result::Result::Ok',
  Err: 'std::result::Result::Err',
  String: 'std::string::String',
  drop: 'std::mem::drop',
};

/** What well-known modules export, so that `use std::sync::*` can be resolved without the sources. */
const KNOWN_MODULE_MEMBERS: Record<string, string[]> = {
  'std::sync': ['Arc', 'Mutex', 'RwLock', 'Weak', 'Condvar', 'Barrier', 'Once', 'OnceLock', 'LazyLock', 'mpsc', 'atomic'],
  'std::cell': ['RefCell', 'Cell', 'OnceCell', 'Ref', 'RefMut', 'UnsafeCell', 'LazyCell'],
  'std::rc': ['Rc', 'Weak'],
  'std::collections': ['HashMap', 'HashSet', 'BTreeMap', 'BTreeSet', 'VecDeque', 'LinkedList', 'BinaryHeap'],
  'std::sync::mpsc': ['channel', 'sync_channel', 'Sender', 'SyncSender', 'Receiver'],
  'tokio::sync::mpsc': ['channel', 'unbounded_channel', 'Sender', 'UnboundedSender', 'Receiver', 'UnboundedReceiver'],
  'std::thread': ['sleep', 'spawn', 'JoinHandle', 'Builder'],
  'std::mem': ['drop', 'forget', 'take', 'replace', 'swap', 'ManuallyDrop'],
  'tokio::sync': ['Mutex', 'RwLock', 'Semaphore', 'Notify', 'OnceCell', 'mpsc', 'oneshot', 'broadcast', 'watch', 'Barrier'],
  'parking_lot': ['Mutex', 'RwLock', 'ReentrantMutex', 'FairMutex', 'Condvar', 'Once', 'MutexGuard', 'RwLockReadGuard', 'RwLockWriteGuard', 'MappedMutexGuard'],
  'spin': ['Mutex', 'RwLock', 'Once', 'Lazy'],
  'futures::lock': ['Mutex'],
  'async_lock': ['Mutex', 'RwLock', 'Semaphore', 'Barrier'],
  'async_std::sync': ['Mutex', 'RwLock', 'Arc', 'Condvar'],
};

/** A path `normalizePath` would change: whitespace, a leading `::`, `core::`/`alloc::`, or a lock's private module. */
const NEEDS_NORMALIZING = /\s|^(::|core::|alloc::|std::sync::(mutex|rwlock)::|tokio::sync::(mutex|rwlock)::)/;

/** `core::`/`alloc::` are re-exported by `std`; `::x` is `x`. */
export function normalizePath(path: string): string {
  // Most written paths need none of the rewrites below (this runs for every type and call path read).
  if (!NEEDS_NORMALIZING.test(path)) return path;
  let p = path.replace(/\s+/g, '').replace(/^::/, '');
  p = p.replace(/^(core|alloc)::/, 'std::');
  p = p.replace(/^std::sync::(mutex|rwlock)::/, 'std::sync::');
  p = p.replace(/^tokio::sync::(mutex|rwlock)::/, 'tokio::sync::');
  return p;
}

/** Resolves a written path (`M`, `sync::Mutex`, `std::sync::Mutex`) against the file's imports. */
/** What a first path segment names in this module: an import, a known glob member, or (`use super::*`) the parent's. */
function resolveHead(head: string, uses: UseMap, depth = 0): string | undefined {
  const imported = uses.names.get(head);
  if (imported) return imported;
  for (const glob of uses.globs) {
    if (KNOWN_MODULE_MEMBERS[glob]?.includes(head)) return `${glob}::${head}`;
  }
  if (uses.parent && depth < 32 && uses.globs.includes('super')) return resolveHead(head, uses.parent, depth + 1);
  return undefined;
}

export function canonicalPath(written: string, uses: UseMap): string {
  const path = normalizePath(written);
  const [head, ...rest] = path.split('::');
  const resolved = resolveHead(head, uses);
  if (resolved) return normalizePath([resolved, ...rest].join('::'));
  if (rest.length === 0 && PRELUDE[head]) return PRELUDE[head];
  return path;
}

/** The import map in force at `node`: its inline module's (the file's when none). */
export function moduleUsesAt(node: Node, fileUses: UseMap): UseMap {
  if (!fileUses.modules?.size) return fileUses;
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'declaration_list' && p.parent?.type === 'mod_item') return fileUses.modules.get(p.startIndex) ?? fileUses;
  }
  return fileUses;
}

/** `use a::{b::{c::{…}}}` nested deeper than this brings in nothing: no real import is, and recursion must stay shallow. */
const MAX_USE_DEPTH = 32;

function collectUse(node: Node, prefix: string, out: UseMap, depth = 0): void {
  if (depth > MAX_USE_DEPTH) return;
  const join = (a: string, b: string) => (a ? `${a}::${b}` : b);
  switch (node.type) {
    case 'identifier':
    case 'scoped_identifier':
    case 'crate':
    case 'super': {
      const full = join(prefix, node.text);
      const name = full.split('::').pop()!;
      out.names.set(name, normalizePath(full));
      return;
    }
    case 'self':
      if (prefix) out.names.set(prefix.split('::').pop()!, normalizePath(prefix));
      return;
    case 'use_as_clause': {
      const target = node.childForFieldName('path');
      const alias = node.childForFieldName('alias');
      if (target && alias && alias.text !== '_') out.names.set(alias.text, normalizePath(join(prefix, target.text)));
      return;
    }
    case 'use_wildcard': {
      const target = node.namedChildren.find((c) => c !== null);
      out.globs.push(normalizePath(join(prefix, target ? target.text : '')));
      return;
    }
    case 'scoped_use_list': {
      const target = node.childForFieldName('path');
      const list = node.childForFieldName('list');
      if (list) collectUse(list, join(prefix, target ? target.text : ''), out, depth + 1);
      return;
    }
    case 'use_list':
      for (const child of node.namedChildren) if (child) collectUse(child, prefix, out, depth + 1);
      return;
  }
}

/** Adds the names one `use_declaration` brings in. */
export function addUseDeclaration(useDecl: Node, out: UseMap): void {
  const argument = useDecl.childForFieldName('argument');
  if (argument) collectUse(argument, '', out);
}

/** The last segment of a path: `std::sync::Mutex` -> `Mutex`. */
export function lastSegment(path: string): string {
  const i = path.lastIndexOf('::');
  return i < 0 ? path : path.slice(i + 2);
}
