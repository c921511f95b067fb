// The workspace's ownership graph between named types (structs, enums), read from field types.
// An edge says "a value of `from` keeps a value of `to` alive": by value, boxed, in a collection, or through
// a strong `Rc`/`Arc`. `Weak`, references and raw pointers keep nothing alive and give no edge. Aliases and
// generic structs are expanded (a `Wrapper<T>` whose field is `Rc<T>` makes `Wrapper<Node>` a strong edge to Node).
import type { FieldFacts, StructFacts } from './resolve/facts';
import { lastSegment } from './resolve/paths';
import type { TypeRef } from './resolve/types';
import type { Workspace } from './workspace';

export type Strong = 'rc' | 'arc';

const SHARED: Record<string, Strong> = { 'std::rc::Rc': 'rc', 'std::sync::Arc': 'arc' };
const WEAK = new Set(['std::rc::Weak', 'std::sync::Weak']);
/** Interior mutability: a strong edge behind one of these can be set after both ends exist, closing a cycle. */
const CELLS = new Set([
  'std::cell::RefCell', 'std::cell::Cell', 'std::cell::OnceCell', 'std::cell::UnsafeCell', 'std::sync::Mutex', 'std::sync::RwLock',
  'std::sync::OnceLock', 'parking_lot::Mutex', 'parking_lot::RwLock', 'tokio::sync::Mutex', 'tokio::sync::RwLock', 'tokio::sync::OnceCell',
  'once_cell::unsync::OnceCell', 'once_cell::sync::OnceCell', 'spin::Mutex', 'spin::RwLock', 'std::sync::atomic::AtomicPtr',
]);
const COLLECTIONS = new Set([
  'std::vec::Vec', 'std::collections::VecDeque', 'std::collections::HashMap', 'std::collections::BTreeMap', 'std::collections::HashSet',
  'std::collections::BTreeSet', 'std::collections::LinkedList', 'std::collections::BinaryHeap', 'std::collections::hash_map::HashMap',
  'std::collections::btree_map::BTreeMap', '[..]', 'smallvec::SmallVec', 'indexmap::IndexMap', 'indexmap::IndexSet',
]);
/** Owning wrappers that hold one value (or a fixed set of values): they pass the edge through unchanged. */
const PASS = new Set(['std::option::Option', 'std::boxed::Box', 'std::result::Result', '(..)', 'std::pin::Pin', 'std::mem::ManuallyDrop', 'std::cmp::Reverse', 'std::num::Wrapping']);

const MAX_DEPTH = 8;

export interface TypeNode {
  /** Dense index, for array-based searches. */
  id: number;
  /** `file\u0000Name`: two files may declare the same name. */
  key: string;
  name: string;
  path: string;
  facts: StructFacts;
}

export interface Edge {
  from: TypeNode;
  to: TypeNode;
  field: FieldFacts;
  /** The first `Rc`/`Arc` between the field and the target, if any. */
  strong?: Strong;
  /** That `Rc`/`Arc` as written in the field's own type; absent when it came from an alias or a generic's body. */
  strongRef?: TypeRef;
  /** Wrapper paths above `strongRef`, outermost first (`RefCell`, `Option`): what a store into the field must build. */
  wrappersAboveStrong: string[];
  /** A collection above the `Rc` (`Vec<Rc<T>>`): the field owns many, it is not a single back-reference. */
  collectionAboveStrong: boolean;
  collection: boolean;
  /** Interior mutability anywhere between the field and the target. */
  cell: boolean;
  /** The cell's short name, for messages. */
  cellName?: string;
}

interface PathState {
  strong?: Strong;
  strongRef?: TypeRef;
  wrappers: string[];
  collectionAboveStrong: boolean;
  collection: boolean;
  cell: boolean;
  cellName?: string;
  /** Inside an alias or a generic's body: spans are not the field's own. */
  indirect: boolean;
}

/** Generic parameters bound while expanding an alias or a generic struct's fields: the argument as written where it was written. */
type Bindings = Map<string, { type: TypeRef; file: string; bindings: Bindings } | null>;

/** 'all' emits every named type reached; 'params' (inside a generic's body) only those reached through a bound parameter. */
type Mode = 'all' | 'params';

type Emit = (to: TypeNode, s: PathState) => void;

export class TypeGraph {
  readonly nodes = new Map<string, TypeNode>();
  readonly edges = new Map<string, Edge[]>();

  constructor(private readonly ws: Workspace) {
    for (const { value, path } of ws.allStructs()) this.nodeOf(value, path);
    for (const node of [...this.nodes.values()]) this.edges.set(node.key, this.edgesOf(node));
  }

  outgoing(node: TypeNode): Edge[] {
    return this.edges.get(node.key) ?? [];
  }

  /** Name lookups scan every file when a name is not local: remember them for the graph's lifetime. */
  private readonly aliases = new Map<string, ReturnType<Workspace['findAlias']>>();
  private readonly structs = new Map<string, ReturnType<Workspace['findStruct']>>();

  private cached<T>(cache: Map<string, T>, name: string, file: string, find: () => T): T {
    const key = `${file}\u0000${name}`;
    if (cache.has(key)) return cache.get(key)!;
    const found = find();
    cache.set(key, found);
    return found;
  }

  /** Strongly connected components (iterative Tarjan): a cycle exists only inside one. Node key -> component id. */
  components(): Map<string, number> {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const comp = new Map<string, number>();
    let counter = 0;
    let compId = 0;
    for (const start of this.nodes.keys()) {
      if (index.has(start)) continue;
      const work: { key: string; i: number }[] = [{ key: start, i: 0 }];
      index.set(start, counter);
      low.set(start, counter++);
      stack.push(start);
      onStack.add(start);
      while (work.length) {
        const top = work[work.length - 1];
        const out = this.edges.get(top.key) ?? [];
        if (top.i < out.length) {
          const next = out[top.i++].to.key;
          if (!index.has(next)) {
            index.set(next, counter);
            low.set(next, counter++);
            stack.push(next);
            onStack.add(next);
            work.push({ key: next, i: 0 });
          } else if (onStack.has(next)) low.set(top.key, Math.min(low.get(top.key)!, index.get(next)!));
          continue;
        }
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].key;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.key)!));
        }
        if (low.get(top.key) === index.get(top.key)) {
          for (;;) {
            const k = stack.pop()!;
            onStack.delete(k);
            comp.set(k, compId);
            if (k === top.key) break;
          }
          compId++;
        }
      }
    }
    return comp;
  }

  private nodeOf(facts: StructFacts, path: string): TypeNode {
    const key = `${path}\u0000${facts.name}`;
    let node = this.nodes.get(key);
    if (!node) {
      node = { id: this.nodes.size, key, name: facts.name, path, facts };
      this.nodes.set(key, node);
    }
    return node;
  }

  private edgesOf(node: TypeNode): Edge[] {
    const out: Edge[] = [];
    for (const field of node.facts.fields) {
      if (!field.type) continue;
      const start: PathState = { wrappers: [], collectionAboveStrong: false, collection: false, cell: false, indirect: false };
      // The item's own parameters are unknown types: they give no edge.
      const own: Bindings = new Map(node.facts.typeParams.map((p) => [p, null]));
      own.set('Self', { type: { path: node.name, args: [] }, file: node.path, bindings: new Map() });
      this.walk(field.type, node.path, start, own, 0, 'all', new Set(), (to, s) => {
        out.push({
          from: node, to, field, strong: s.strong, strongRef: s.strongRef, wrappersAboveStrong: s.wrappers,
          collectionAboveStrong: s.collectionAboveStrong, collection: s.collection, cell: s.cell, cellName: s.cellName,
        });
      });
    }
    return out;
  }

  /** Follows `t` (written in `file`) down to the named types it keeps alive. */
  private walk(t: TypeRef, file: string, state: PathState, bindings: Bindings, depth: number, mode: Mode, expanding: Set<string>, emit: Emit): void {
    if (depth > MAX_DEPTH || t.reference || WEAK.has(t.path)) return;
    const bound = !t.path.includes('::') ? bindings.get(t.path) : undefined;
    if (bound === null) return;
    if (bound) return this.walk(bound.type, bound.file, { ...state, indirect: true }, bound.bindings, depth + 1, 'all', expanding, emit);
    const step = wrapperStep(t, state);
    if (step) {
      for (const a of t.args) this.walk(a, file, { ...state, ...step }, bindings, depth + 1, mode, expanding, emit);
      return;
    }
    if (!isLocalPath(t.path)) return;
    const name = lastSegment(t.path);
    const alias = this.cached(this.aliases, name, file, () => this.ws.findAlias(name, file));
    if (alias?.value.type) {
      const inner = bind(alias.value.typeParams, t.args, file, bindings);
      return this.walk(alias.value.type, alias.path, { ...state, indirect: true }, inner, depth + 1, mode, expanding, emit);
    }
    const found = this.cached(this.structs, name, file, () => this.ws.findStruct(name, file));
    if (!found) return;
    const target = this.nodeOf(found.value, found.path);
    if (mode === 'all') emit(target, state);
    // `Wrapper<Node>`: what Wrapper's fields do with its parameter decides the edge to Node.
    const params = found.value.typeParams;
    if (!params.length || !t.args.length || expanding.has(target.key)) return;
    const inner = bind(params, t.args, file, bindings);
    const nested = new Set(expanding).add(target.key);
    for (const field of found.value.fields) {
      if (field.type && mentionsAny(field.type, params)) this.walk(field.type, found.path, { ...state, indirect: true }, inner, depth + 1, 'params', nested, emit);
    }
  }
}

/** How a std wrapper changes the path (undefined: not a known wrapper). */
function wrapperStep(t: TypeRef, state: PathState): Partial<PathState> | undefined {
  const shared = SHARED[t.path];
  // Only a pointer written in the field's own type can be rewritten by a fix.
  if (shared) return state.strong ? {} : { strong: shared, strongRef: state.indirect ? undefined : t };
  const above = state.strong ? {} : { wrappers: [...state.wrappers, t.path] };
  if (CELLS.has(t.path)) return { ...above, cell: true, cellName: state.cellName ?? lastSegment(t.path) };
  if (COLLECTIONS.has(t.path)) return { ...above, collection: true, collectionAboveStrong: state.collectionAboveStrong || !state.strong };
  if (PASS.has(t.path)) return above;
  return undefined;
}

/** Written paths that can name a workspace item: `Node`, `crate::a::Node`, `super::Node`, `self::x::Node`. Not `std::…` or other crates. */
function isLocalPath(path: string): boolean {
  return !path.includes('::') || /^(crate|super|self)::/.test(path);
}

function mentionsAny(t: TypeRef, names: string[]): boolean {
  return names.includes(t.path) || t.args.some((a) => mentionsAny(a, names));
}

function bind(params: string[], args: TypeRef[], file: string, outer: Bindings): Bindings {
  const out: Bindings = new Map();
  params.forEach((p, i) => {
    if (args[i]) out.set(p, { type: args[i], file, bindings: outer });
  });
  return out;
}

/** `Variant.field` -> `field`: the name a role is read from. */
export function fieldBaseName(field: FieldFacts): string {
  return field.name.includes('.') ? field.name.slice(field.name.lastIndexOf('.') + 1) : field.name;
}
