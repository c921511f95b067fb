// Small tree helpers. Walks are iterative: 10,000-deep nesting must not blow the JS stack.
import type { Node } from './parser';

/** Pre-order walk; return false from `visit` to skip a node's children. */
export function walk(root: Node, visit: (node: Node) => boolean | void): void {
  const stack: Node[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (visit(node) === false) continue;
    for (let i = node.namedChildCount - 1; i >= 0; i--) {
      const child = node.namedChild(i);
      if (child) stack.push(child);
    }
  }
}

export function* ancestors(node: Node): Generator<Node> {
  for (let p = node.parent; p; p = p.parent) yield p;
}

export function isAsync(node: Node): boolean {
  switch (node.type) {
    case 'async_block':
      return true;
    case 'function_item': {
      const mods = node.namedChildren.find((c) => c?.type === 'function_modifiers');
      return !!mods && /\basync\b/.test(mods.text);
    }
    case 'closure_expression':
      return /^(static\s+)?async\b/.test(node.text);
    default:
      return false;
  }
}

/** Nodes whose body runs as a separate function or future: awaits and guards inside are their own. */
export function isBodyBoundary(node: Node): boolean {
  return node.type === 'function_item' || node.type === 'closure_expression' || node.type === 'async_block';
}

/** The innermost function, closure or async block around a node. */
export function enclosingBody(node: Node): Node | null {
  for (const a of ancestors(node)) if (isBodyBoundary(a)) return a;
  return null;
}

/** Descendants of `root` that belong to root's own body (not to nested closures, async blocks or fns). */
export function ownDescendants(root: Node, keep: (node: Node) => boolean): Node[] {
  const found: Node[] = [];
  walk(root, (n) => {
    if (n !== root && isBodyBoundary(n)) {
      if (keep(n)) found.push(n);
      return false;
    }
    if (keep(n)) found.push(n);
    return true;
  });
  return found;
}

export function contains(outer: { startIndex: number; endIndex: number }, inner: { startIndex: number; endIndex: number }): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** The statement-level child of `block` that contains `node`. */
export function statementIn(block: Node, node: Node): Node | null {
  let cur: Node | null = node;
  while (cur && cur.parent && cur.parent.id !== block.id) cur = cur.parent;
  return cur && cur.parent?.id === block.id ? cur : null;
}

/** Function items of a file: top level, in impls, traits and inline modules; with the impl they belong to. */
export function functionItems(root: Node): { fn: Node; impl: Node | null }[] {
  const out: { fn: Node; impl: Node | null }[] = [];
  const visitList = (list: Node, impl: Node | null) => {
    for (let i = 0; i < list.namedChildCount; i++) {
      const child = list.namedChild(i);
      if (!child) continue;
      if (child.type === 'function_item') out.push({ fn: child, impl });
      else if (child.type === 'impl_item' || child.type === 'trait_item' || child.type === 'mod_item') {
        const body = child.childForFieldName('body');
        if (body) visitList(body, child.type === 'mod_item' ? null : child);
      }
    }
  };
  visitList(root, null);
  return out;
}

/** `impl<T> Foo<T> for Bar` -> the node of `Bar`'s type. */
export function implSelfType(impl: Node | null): Node | null {
  return impl?.type === 'impl_item' ? impl.childForFieldName('type') : null;
}
