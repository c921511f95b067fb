// A pre-order walk that hands each node its ancestors. `node.parent` in web-tree-sitter re-descends from the root
// (O(depth) per call), so climbing parents in deeply nested code is quadratic; the walk keeps the path instead.
import type { Node } from './parser';

/**
 * Visits every named node with `path` = its ancestors, root first (`path[path.length - 1]` is the parent).
 * The array is reused: copy it to keep it. Return false to skip a node's children. Iterative: no stack overflow.
 */
export function walkWithAncestors(root: Node, visit: (node: Node, path: readonly Node[]) => boolean | void): void {
  const stack: { node: Node; depth: number }[] = [{ node: root, depth: 0 }];
  const path: Node[] = [];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    path.length = depth;
    if (visit(node, path) === false) continue;
    path.push(node);
    for (let i = node.namedChildCount - 1; i >= 0; i--) {
      const child = node.namedChild(i);
      if (child) stack.push({ node: child, depth: depth + 1 });
    }
  }
}

/** The innermost ancestor in `path` satisfying `test`, with its index; scans from the parent outwards. */
export function nearest(path: readonly Node[], test: (n: Node) => boolean): { node: Node; index: number } | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (test(path[i])) return { node: path[i], index: i };
  return undefined;
}
