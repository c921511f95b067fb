// Silencing a finding: `// blindspot: allow(rule)` on its line or the line above, on an enclosing item,
// or the rule's clippy lint in `#[allow(clippy::…)]` / `#![allow(clippy::…)]`.
import type { Node } from './parser';
import type { SourceFile } from './source';
import { ancestors } from './syntax';

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

/** Attributes and comments right before an item (its outer attributes sit as previous siblings). */
function itemPreamble(item: Node): Node[] {
  const out: Node[] = [];
  for (let s = item.previousNamedSibling; s && (s.type === 'attribute_item' || s.type === 'line_comment' || s.type === 'block_comment'); s = s.previousNamedSibling) out.push(s);
  return out;
}

const ITEMS = new Set(['function_item', 'impl_item', 'mod_item', 'trait_item', 'struct_item', 'enum_item', 'let_declaration', 'expression_statement', 'field_declaration', 'static_item', 'const_item', 'type_item', 'source_file']);

export function isSuppressed(file: SourceFile, ruleId: string, clippyLints: string[], offset: number): boolean {
  const { lines } = file;
  const line = lines.positionAt(offset).line;
  if (commentAllows(lines.lineText(line), [ruleId])) return true;
  if (line > 0 && /^\s*\/\//.test(lines.lineText(line - 1)) && commentAllows(lines.lineText(line - 1), [ruleId])) return true;
  const at = file.root.descendantForIndex(offset, offset);
  if (!at) return false;
  for (const node of [at, ...ancestors(at)]) {
    if (!ITEMS.has(node.type)) continue;
    if (node.type === 'source_file') {
      for (const child of node.namedChildren) {
        if (child?.type === 'inner_attribute_item' && attributeAllows(child.text, clippyLints)) return true;
      }
      continue;
    }
    for (const pre of itemPreamble(node)) {
      if (pre.type === 'attribute_item' ? attributeAllows(pre.text, clippyLints) : commentAllows(pre.text, [ruleId])) return true;
    }
    const body = node.childForFieldName('body');
    for (const child of body?.namedChildren ?? []) {
      if (child?.type === 'inner_attribute_item' && attributeAllows(child.text, clippyLints)) return true;
    }
  }
  return false;
}
