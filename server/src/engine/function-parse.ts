// Typing in one function body of a large file: that function is parsed again on its own, with the headers of the
// modules, impls and traits around it (tree-sitter's included ranges keep every offset), and the whole file's
// re-parse waits for idle time (EngineDocument.settle). tree-sitter's incremental re-parse rebuilds the list of items
// at every level around the edit, so its cost grows with the number of items beside the edited one: 2–5 ms in a
// 10,000-line file of 1,800 top-level items (0.9 ms when the same items are grouped 8 to a module), where the
// function alone parses in ~0.25 ms.
import { parseRanges, type Node, type Range, type Tree } from './parser';
import { implOf, itemPathTo, previousItemEnd, type DirtyWindow } from './incremental';
import { functionContext, innerAttributes, leadingStart } from './syntax';
import type { LineIndex } from './text';
import type { TextSource } from './piece-text';

export interface FunctionParse {
  /** The function's own tree (the function, its attributes and the headers around it): its owner deletes it. */
  tree: Tree;
  /** The function in `tree`; `prevEnd` and `context` as the whole file's tree gives them (see FunctionItem). */
  target: { fn: Node; impl: Node | null; prevEnd: number; context: string };
}

/** Larger functions (machine-made tables) are re-parsed with the file: the whole-file parse has a timeout. */
const MAX_FUNCTION_CHARS = 200_000;

type ItemPath = { owners: Node[]; fn: Node };

/**
 * The item-level function around `window` parsed on its own, when every edit in the window lies inside its body.
 * `fileTree` is the file's tree edited with those changes but not parsed again: outside the function it is exact.
 * Undefined when the function's own parse does not give the same function and nesting back (a stray brace, an
 * unclosed string): then the whole file must be parsed.
 */
export function parseEditedFunction(fileTree: Tree, text: TextSource, lines: LineIndex, window: DirtyWindow): FunctionParse | undefined {
  // A file whose top level is an error: the function's own tree would have a clean root where rules climb to.
  if (fileTree.rootNode.type !== 'source_file') return undefined;
  const before = itemPathTo(fileTree.rootNode, window.start, window.end);
  if (!before || !bodyHolds(before.fn, window) || before.fn.endIndex - before.fn.startIndex > MAX_FUNCTION_CHARS) return undefined;
  const ranges = includedRanges(fileTree.rootNode, before, lines);
  const tree = ranges && parseRanges(text, ranges);
  if (!tree) return undefined;
  const after = itemPathTo(tree.rootNode, window.start, window.end);
  if (!after || !sameItems(before, after) || !bodyHolds(after.fn, window)) {
    tree.delete();
    return undefined;
  }
  const target = { fn: after.fn, impl: implOf(after), prevEnd: previousItemEnd(before.fn), context: functionContext(before.fn, implOf(before), text) };
  return { tree, target };
}

/**
 * Whether the whole file's tree has exactly this function (same nodes at the same offsets) where it stands, inside the
 * same root, modules, impls and traits.
 */
export function sameFunctionIn(fileTree: Tree, fn: Node): boolean {
  const own = itemPathTo(fn.tree.rootNode, fn.startIndex, fn.endIndex);
  const path = itemPathTo(fileTree.rootNode, fn.startIndex, fn.endIndex);
  return !!own && !!path && fileTree.rootNode.type === fn.tree.rootNode.type && sameItems(own, path) && sameSubtree(path.fn, fn);
}

function bodyHolds(fn: Node, window: DirtyWindow): boolean {
  const body = fn.childForFieldName('body');
  return !!body && body.startIndex < window.start && window.end < body.endIndex;
}

function sameItems(a: ItemPath, b: ItemPath): boolean {
  const same = (x: Node, y: Node) => x.type === y.type && x.startIndex === y.startIndex && x.endIndex === y.endIndex;
  return a.owners.length === b.owners.length && a.owners.every((o, i) => same(o, b.owners[i])) && same(a.fn, b.fn);
}

/**
 * What the function's own parse reads: the file's inner attributes; each enclosing item's attributes, comments and
 * header up to its `{` (with the inner attributes after it); the function with its attributes and comments; the
 * closing braces. Suppressions, `#[cfg(test)]` and `Self` are all read from these.
 */
function includedRanges(root: Node, path: ItemPath, lines: LineIndex): Range[] | undefined {
  const spans: [number, number][] = [];
  const fileInner = innerAttributesEnd(root);
  if (fileInner > 0) spans.push([0, fileInner]);
  const closers: [number, number][] = [];
  for (const owner of path.owners) {
    const body = owner.childForFieldName('body');
    const close = body?.lastChild;
    if (!body || close?.type !== '}' || close.isMissing) return undefined;
    spans.push([leadingStart(owner), Math.max(body.startIndex + 1, innerAttributesEnd(body))]);
    closers.unshift([close.startIndex, close.endIndex]);
  }
  spans.push([leadingStart(path.fn), path.fn.endIndex], ...closers);
  return merged(spans).map(([start, end]) => ({ startIndex: start, endIndex: end, startPosition: point(lines, start), endPosition: point(lines, end) }));
}

function point(lines: LineIndex, offset: number): { row: number; column: number } {
  const p = lines.positionAt(offset);
  return { row: p.line, column: p.character };
}

/** End of the `#![…]` attributes that open a file or a body (0 when there are none). */
function innerAttributesEnd(container: Node): number {
  return innerAttributes(container).at(-1)?.endIndex ?? 0;
}

/** Sorted spans with overlapping and touching ones joined (tree-sitter wants ranges in order, apart). */
function merged(spans: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** Same node types at the same offsets, all the way down (missing nodes included). */
function sameSubtree(a: Node, b: Node): boolean {
  const x = a.walk();
  const y = b.walk();
  try {
    for (;;) {
      if (x.nodeType !== y.nodeType || x.startIndex !== y.startIndex || x.endIndex !== y.endIndex || x.nodeIsMissing !== y.nodeIsMissing) return false;
      const down = x.gotoFirstChild();
      if (down !== y.gotoFirstChild()) return false;
      if (down) continue;
      for (;;) {
        const next = x.gotoNextSibling();
        if (next !== y.gotoNextSibling()) return false;
        if (next) break;
        if (!x.gotoParent()) return true;
        y.gotoParent();
      }
    }
  } finally {
    x.delete();
    y.delete();
  }
}
