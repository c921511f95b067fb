// Small tree helpers. Walks are iterative: 10,000-deep nesting must not blow the JS stack.
import { memoPerTree, type Node } from './parser';
import type { TextSource } from './piece-text';
import type { SourceFile } from './source';

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

/**
 * Function items of a file: top level, in impls, traits and inline modules; with the impl they belong to.
 * Functions nesting deeper than MAX_ANALYSED_DEPTH are left out: every analysis would take minutes on them.
 */
export interface FunctionItem {
  fn: Node;
  impl: Node | null;
  /** End of the item before it in the same list: the text in between holds its attributes and comments. */
  prevEnd: number;
  /** What `functionContext` gives for it, built while listing (no climbs and sibling walks per function). */
  context: string;
}

/** A file's function items, with the re-parsed function (SourceFile.reparsed) in place of its stale nodes. */
export function fileFunctionItems(file: SourceFile): FunctionItem[] {
  const items = functionItems(file.root);
  const reparsed = file.reparsed;
  if (!reparsed) return items;
  return items.map((item) => (item.fn.startIndex === reparsed.fn.startIndex ? { ...item, fn: reparsed.fn, impl: reparsed.impl } : item));
}

/** `walk` over a whole file, entering the re-parsed function (SourceFile.reparsed) instead of its stale nodes. */
export function walkFile(file: SourceFile, visit: (node: Node) => boolean | void): void {
  const reparsed = file.reparsed?.fn;
  walk(file.root, (node) => {
    if (!reparsed || node.startIndex !== reparsed.startIndex || node.type !== 'function_item') return visit(node);
    walk(reparsed, visit);
    return false;
  });
}

export function functionItems(root: Node): FunctionItem[] {
  // The engine, lock-order and detached-task each ask for the same tree's list on every keystroke.
  return [...memoPerTree(root.tree, `functionItems:${root.id}`, () => collectFunctionItems(root))];
}

interface ItemList {
  items: (Node | null)[];
  next: number;
  impl: Node | null;
  prevEnd: number;
  /** Where the attributes and comments before the next item start (undefined: none so far). */
  leadStart?: number;
  /** `implHeader` of `impl`. */
  header: string;
  /** The enclosing modules, impls and traits with their attributes, innermost first (as functionContext writes them). */
  owners: string;
  depth: number;
}

const isLeading = (type: string) => type === 'attribute_item' || type.endsWith('comment');

function collectFunctionItems(root: Node): FunctionItem[] {
  const out: FunctionItem[] = [];
  const text = root.text;
  // An explicit stack of item lists, in source order: 10,000 nested `mod`s must not overflow the JS stack.
  const stack: ItemList[] = [{ items: root.namedChildren, next: 0, impl: null, prevEnd: root.startIndex, header: '', owners: '', depth: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next >= top.items.length) {
      stack.pop();
      continue;
    }
    const child = top.items[top.next++];
    if (!child) continue;
    const prevEnd = top.prevEnd;
    top.prevEnd = child.endIndex;
    const type = child.type;
    if (isLeading(type)) {
      top.leadStart ??= child.startIndex;
      continue;
    }
    const leadStart = top.leadStart ?? child.startIndex;
    top.leadStart = undefined;
    if (type === 'function_item') {
      const lead = text.slice(leadStart, child.startIndex);
      const { header, owners } = top;
      // Read only by caches (not in a one-shot scan): joined when asked.
      if (!nestsDeeperThan(child)) out.push({ fn: child, impl: top.impl, prevEnd, get context() { return [lead, header, ...(owners ? [owners] : [])].join('\u0001'); } });
    } else if (type === 'impl_item' || type === 'trait_item' || type === 'mod_item') {
      const body = child.childForFieldName('body');
      if (!body) continue;
      const header = text.slice(child.startIndex, body.startIndex);
      const lead = text.slice(leadStart, child.startIndex);
      const owners = top.depth < MAX_CONTEXT_LEVELS ? [lead + header, ...(top.owners ? [top.owners] : [])].join('\u0001') : top.owners;
      stack.push({ items: body.namedChildren, next: 0, impl: type === 'mod_item' ? null : child, prevEnd: body.startIndex, header: type === 'mod_item' ? '' : header, owners, depth: top.depth + 1 });
    }
  }
  return out;
}

/** `impl<T> Trait for Type<T>` without its body: part of per-function cache keys (it decides `Self`). */
export function implHeader(impl: Node | null, text: TextSource): string {
  if (!impl) return '';
  return text.slice(impl.startIndex, impl.childForFieldName('body')?.startIndex ?? impl.endIndex);
}

const MAX_CONTEXT_LEVELS = 32;

/** Where the attributes and comments written right before an item (its preceding siblings) start. */
export function leadingStart(item: Node): number {
  let start = item.startIndex;
  for (let s = item.previousNamedSibling; s && isLeading(s.type); s = s.previousNamedSibling) start = s.startIndex;
  return start;
}

/** The attributes and comments written right before an item, as text. */
function leadingText(item: Node, text: TextSource): string {
  return text.slice(leadingStart(item), item.startIndex);
}

/**
 * `#![…]` attributes of a file or a body. Rust puts them before everything but comments, so the scan stops at
 * the first item: listing every child of a large file per finding cost 35 ms a keystroke.
 */
export function innerAttributes(container: Node): Node[] {
  const out: Node[] = [];
  const cursor = container.walk();
  try {
    if (!cursor.gotoFirstChild()) return out;
    do {
      const type = cursor.nodeType;
      if (type === 'inner_attribute_item') out.push(cursor.currentNode);
      else if (type !== 'line_comment' && type !== 'block_comment' && type !== '{') break;
    } while (cursor.gotoNextSibling());
  } finally {
    cursor.delete();
  }
  return out;
}

/**
 * What a function's analysis reads beyond its own text, for per-function cache keys: its attributes (`#[test]`),
 * the impl header (it decides `Self`), and each enclosing module, impl or trait with its attributes (`#[cfg(test)]`,
 * which module's imports apply). A stray `}` that moves a function into another module changes it.
 */
export function functionContext(fn: Node, impl: Node | null, text: TextSource): string {
  const parts = [leadingText(fn, text), implHeader(impl, text)];
  // Bounded like the rules' own climbs: machine-made nesting past that shares one key suffix.
  for (let list = fn.parent, levels = 0; list?.type === 'declaration_list' && levels < MAX_CONTEXT_LEVELS; levels++) {
    const owner = list.parent;
    if (!owner) break;
    parts.push(leadingText(owner, text) + text.slice(owner.startIndex, list.startIndex));
    list = owner.parent;
  }
  return parts.join('\u0001');
}

/** `impl<T> Foo<T> for Bar` -> the node of `Bar`'s type. */
export function implSelfType(impl: Node | null): Node | null {
  return impl?.type === 'impl_item' ? impl.childForFieldName('type') : null;
}

/** Node depth past which a function is not analysed: real code stays under ~60, and rules' walks cost nodes × depth. */
export const MAX_ANALYSED_DEPTH = 256;
/** Subtrees with fewer nodes cannot nest deep enough to be slow; only larger ones are measured (descendantCount is O(1)). */
const MEASURE_DEPTH_ABOVE_NODES = 2000;

/** Verdicts for large functions by text: typing re-parses the file, but most large functions stay as they were. */
const depthVerdicts = new Map<string, boolean>();
const MAX_DEPTH_VERDICTS = 1024;

/** True when `node`'s subtree nests deeper than `limit` (generated or hostile code). A cursor walk: no stack, stops early. */
export function nestsDeeperThan(node: Node, limit = MAX_ANALYSED_DEPTH): boolean {
  if (node.descendantCount <= MEASURE_DEPTH_ABOVE_NODES) return false;
  const key = `${limit}:${node.text}`;
  let verdict = depthVerdicts.get(key);
  if (verdict === undefined) {
    verdict = measureDeeperThan(node, limit);
    if (depthVerdicts.size >= MAX_DEPTH_VERDICTS) depthVerdicts.delete(depthVerdicts.keys().next().value!);
    depthVerdicts.set(key, verdict);
  }
  return verdict;
}

function measureDeeperThan(node: Node, limit: number): boolean {
  const cursor = node.walk();
  try {
    let depth = 0;
    for (;;) {
      if (cursor.gotoFirstChild()) {
        if (++depth > limit) return true;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (depth === 0 || !cursor.gotoParent()) return false;
        if (--depth === 0) return false;
      }
    }
  } finally {
    cursor.delete();
  }
}
