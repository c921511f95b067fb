// Types as written, reduced to what rules ask: a canonical path and its generic arguments.
import type { Node } from '../parser';
import { canonicalPath, type UseMap } from './paths';

export interface TypeRef {
  /** Canonical path (`std::sync::Mutex`), or the written name when it cannot be resolved. */
  path: string;
  args: TypeRef[];
  /** Behind `&` or `&mut`. */
  reference?: boolean;
  /** The node it was read from: offsets for fixes. */
  node?: { start: number; end: number; text: string };
  /** The written path part (`Mutex` in `Mutex<T>`), what a fix rewrites to change the type. */
  base?: { start: number; end: number; text: string };
}

const span = (n: Node) => ({ start: n.startIndex, end: n.endIndex, text: n.text });

/**
 * TypeRefs are kept for every field, static and return type of every file in the workspace (~100,000 for Debian's
 * registry), so a simple type shares one frozen empty `args` and one span for `node` and `base` (nothing changes
 * a TypeRef after it is read; offsets move by copying, see incremental.ts). A worker's message keeps the sharing.
 */
const NO_ARGS = Object.freeze([]) as unknown as TypeRef[];

/** Types nested deeper than this are unknown: no real type is, and deeper ones would overflow the stack here and in every walk over TypeRefs. */
const MAX_TYPE_DEPTH = 64;

class TypeTooDeep extends Error {}

/** Reads a type node; tuples become `(..)` with their elements as args. Unknown shapes give undefined. */
export function typeFromNode(node: Node | null, uses: UseMap): TypeRef | undefined {
  try {
    return readType(node, uses, 0);
  } catch (error) {
    if (error instanceof TypeTooDeep) return undefined;
    throw error;
  }
}

function readType(node: Node | null, uses: UseMap, depth: number): TypeRef | undefined {
  if (!node) return undefined;
  if (depth > MAX_TYPE_DEPTH) throw new TypeTooDeep();
  // The cases below recurse through this name: each nested read is one level deeper.
  const typeFromNode = (child: Node | null, u: UseMap) => readType(child, u, depth + 1);
  switch (node.type) {
    case 'type_identifier':
    case 'scoped_type_identifier':
    case 'primitive_type': {
      // One read of the node (each offset and text read crosses into WASM), one span object for both roles.
      const at = span(node);
      return { path: canonicalPath(at.text, uses), args: NO_ARGS, node: at, base: at };
    }
    case 'generic_type': {
      const base = node.childForFieldName('type');
      const argsNode = node.childForFieldName('type_arguments');
      const args: TypeRef[] = [];
      for (const a of argsNode?.namedChildren ?? []) {
        const t = a && typeFromNode(a, uses);
        if (t) args.push(t);
      }
      if (!base) return undefined;
      const baseAt = span(base);
      return { path: canonicalPath(baseAt.text, uses), args, node: span(node), base: baseAt };
    }
    case 'reference_type': {
      const inner = typeFromNode(node.childForFieldName('type'), uses);
      return inner ? { ...inner, reference: true } : undefined;
    }
    case 'tuple_type': {
      const args = node.namedChildren.map((c) => c && typeFromNode(c, uses)).filter((t): t is TypeRef => !!t);
      return { path: '(..)', args, node: span(node) };
    }
    case 'array_type': {
      const el = typeFromNode(node.childForFieldName('element'), uses);
      return { path: '[..]', args: el ? [el] : [], node: span(node) };
    }
    case 'bounded_type':
    case 'abstract_type':
    case 'dynamic_type':
      return undefined;
    default:
      return undefined;
  }
}

/** The first type inside `t` (itself included) whose path satisfies `match`, depth first. */
export function findInType(t: TypeRef, match: (path: string) => boolean): TypeRef | undefined {
  if (match(t.path)) return t;
  for (const a of t.args) {
    const found = findInType(a, match);
    if (found) return found;
  }
  return undefined;
}

/** Smart pointers and references that method calls auto-deref through. */
const TRANSPARENT = new Set(['std::sync::Arc', 'std::rc::Rc', 'std::boxed::Box', 'std::pin::Pin', 'std::sync::LazyLock', 'once_cell::sync::Lazy', 'lazy_static::Lazy', 'std::sync::OnceLock']);

/** `Arc<Mutex<T>>` -> `Mutex<T>`: what `.lock()` on a value of this type is really called on. */
export function derefTransparent(t: TypeRef): TypeRef {
  let cur = t;
  while (TRANSPARENT.has(cur.path) && cur.args.length > 0) cur = cur.args[0];
  return cur;
}

export function typeToString(t: TypeRef): string {
  const base = t.path === '(..)' ? `(${t.args.map(typeToString).join(', ')})` : t.args.length ? `${t.path}<${t.args.map(typeToString).join(', ')}>` : t.path;
  return t.reference ? `&${base}` : base;
}
