// Silencing a finding: `// blindspot: allow(rule)` on its line or the line above, on an enclosing item,
// or the rule's clippy lint in `#[allow(clippy::…)]` / `#![allow(clippy::…)]`.
import type { Node } from './parser';
import { rootAt, type SourceFile } from './source';
import { innerAttributes } from './syntax';

const ALLOW_COMMENT = /\/\/\s*blindspot:\s*allow\(([^)]*)\)/;

export function allowCommentText(ruleId: string): string {
  return `// blindspot: allow(${ruleId})`;
}

function commentAllows(text: string, ids: string[]): boolean {
  const m = ALLOW_COMMENT.exec(text);
  if (!m) return false;
  const listed = m[1].split(',').map((s) => s.trim());
  return ids.some((id) => listed.includes(id)) || listed.includes('all');
}

function attributeAllows(text: string, lints: string[]): boolean {
  const m = /^#!?\[\s*(?:allow|expect)\s*\(([\s\S]*)\)\s*\]$/.exec(text.trim());
  if (!m) return false;
  const listed = m[1].split(',').map((s) => s.trim().replace(/\s+/g, ''));
  return lints.some((l) => listed.includes(`clippy::${l}`));
}


const ITEMS = new Set(['function_item', 'impl_item', 'mod_item', 'trait_item', 'struct_item', 'enum_item', 'let_declaration', 'expression_statement', 'field_declaration', 'static_item', 'const_item', 'type_item', 'source_file']);

const PREAMBLE = new Set(['attribute_item', 'line_comment', 'block_comment']);

/**
 * The nodes from the one at `offset` up to the root, each item with its preamble (the attributes and
 * comments right before it). Descends from the root with `childWithDescendant` (one call per level, the
 * sibling search happens inside tree-sitter): scanning siblings from JS cost ~2 ms per finding in a
 * 10,000-line file, and `node.parent` chains are O(depth²) on 10,000-deep nesting.
 */
function pathTo(root: Node, offset: number): { node: Node; preamble: Node[] }[] {
  const target = root.descendantForIndex(offset, offset);
  const path: { node: Node; preamble: Node[] }[] = [{ node: root, preamble: [] }];
  for (let current: Node = root; target && current.id !== target.id; ) {
    const next = current.childWithDescendant(target);
    if (!next || next.id === current.id) break;
    path.push({ node: next, preamble: ITEMS.has(next.type) ? preambleOf(next) : [] });
    current = next;
  }
  return path.reverse();
}

/** Attributes and comments directly before an item, nearest first. */
function preambleOf(item: Node): Node[] {
  const out: Node[] = [];
  for (let s = item.previousNamedSibling; s && PREAMBLE.has(s.type); s = s.previousNamedSibling) out.push(s);
  return out;
}

export function isSuppressed(file: SourceFile, ruleId: string, clippyLints: string[], offset: number): boolean {
  const { lines } = file;
  const line = lines.positionAt(offset).line;
  if (commentAllows(lines.lineText(line), [ruleId])) return true;
  if (line > 0 && /^\s*\/\//.test(lines.lineText(line - 1)) && commentAllows(lines.lineText(line - 1), [ruleId])) return true;
  for (const { node, preamble } of pathTo(rootAt(file, offset), offset)) {
    if (!ITEMS.has(node.type)) continue;
    if (node.type === 'source_file') {
      if (innerAttributes(node).some((a) => attributeAllows(a.text, clippyLints))) return true;
      continue;
    }
    for (const pre of preamble) {
      if (pre.type === 'attribute_item' ? attributeAllows(pre.text, clippyLints) : commentAllows(pre.text, [ruleId])) return true;
    }
    const body = node.childForFieldName('body');
    if (body && innerAttributes(body).some((a) => attributeAllows(a.text, clippyLints))) return true;
  }
  return false;
}
