// Is this code a test? Tests may block, sleep, leak tasks and use unbounded channels on purpose: rules about
// production hazards (blocking-in-async, detached-task, unbounded-channel) skip them. Deadlocks are bugs anywhere.
import * as nodePath from 'path';
import type { Node } from './parser';
import { ancestors } from './syntax';

const TEST_ATTRIBUTE = /^#\[\s*(?:test|bench|rstest|test_case|(?:\w+::)*test(?:\s*\(.*\))?|cfg\s*\(\s*test\s*\)|cfg\s*\(\s*all\s*\(\s*test\b.*)\s*\]$/s;

/** Files of the crate's integration tests and benches (`tests/`, `benches/`), relative to the crate root when known. */
export function isTestPath(path: string, crateRoot?: string): boolean {
  const rel = crateRoot ? nodePath.relative(crateRoot, path) : path;
  return /(^|[\\/])(tests|benches)[\\/]/.test(rel);
}

/** The outer attributes written right before an item (they are its previous siblings). */
function attributesOf(item: Node): Node[] {
  const out: Node[] = [];
  for (let s = item.previousNamedSibling; s && (s.type === 'attribute_item' || s.type === 'line_comment' || s.type === 'block_comment'); s = s.previousNamedSibling) {
    if (s.type === 'attribute_item') out.push(s);
  }
  return out;
}

/** `#[test]`, `#[tokio::test]`, `#[cfg(test)]` … on the item or any enclosing fn, impl or module. */
export function isTestItem(item: Node): boolean {
  for (const node of [item, ...ancestors(item)]) {
    if (node.type !== 'function_item' && node.type !== 'mod_item' && node.type !== 'impl_item') continue;
    if (attributesOf(node).some((a) => TEST_ATTRIBUTE.test(a.text.replace(/\s+/g, ' ').trim()))) return true;
  }
  return false;
}

export function isTestCode(item: Node, path: string, crateRoot?: string): boolean {
  return isTestPath(path, crateRoot) || isTestItem(item);
}
