// Reading calls from syntax: which path a call names (through the imports in scope), and method calls' parts.
import type { Node } from '../parser';
import { addUseDeclaration, canonicalPath, moduleUsesAt, type UseMap } from './paths';

/** The file's imports plus the `use` items written inside `fn` (function-local imports are common in async code). */
export function scopedUses(fn: Node, fileUses: UseMap): UseMap {
  const moduleUses = moduleUsesAt(fn, fileUses);
  // A text check first: descending into the tree is the expensive part, and most functions import nothing.
  if (!/\buse\b/.test(fn.text)) return moduleUses;
  const local = fn.descendantsOfType('use_declaration').filter((n): n is Node => !!n);
  if (local.length === 0) return moduleUses;
  const uses: UseMap = { ...moduleUses, names: new Map(moduleUses.names), globs: [...moduleUses.globs] };
  for (const decl of local) addUseDeclaration(decl, uses);
  return uses;
}

/** The callee of a call with turbofish stripped: `mpsc::channel::<u8>` -> the `mpsc::channel` node. */
export function calleeOf(call: Node): Node | null {
  let f = call.childForFieldName('function');
  if (f?.type === 'generic_function') f = f.childForFieldName('function');
  return f;
}

/** Local names (`use tokio::spawn as go;` -> `go`) that import one of `paths`: a text pre-filter must look for them too. */
export function importedNamesOf(paths: Iterable<string>, uses: UseMap): string[] {
  const wanted = new Set(paths);
  return [...uses.names].filter(([, full]) => wanted.has(full)).map(([local]) => local);
}

/** Canonical path of a path call (`sleep(d)` with `use std::thread::sleep` -> `std::thread::sleep`); undefined for method calls. */
export function callPath(call: Node, uses: UseMap): string | undefined {
  if (call.type !== 'call_expression') return undefined;
  const f = calleeOf(call);
  if (!f || (f.type !== 'identifier' && f.type !== 'scoped_identifier')) return undefined;
  if (f.type === 'scoped_identifier' && f.text.includes('<')) {
    // `Vec::<u8>::new` and `<T as Trait>::f` have no plain canonical path.
    return undefined;
  }
  return canonicalPath(f.text, uses);
}

export interface MethodCall {
  call: Node;
  receiver: Node;
  name: string;
  nameNode: Node;
  args: Node[];
}

/** `recv.name(args)` parts, or undefined when the call is not a method call. */
export function methodCall(call: Node): MethodCall | undefined {
  if (call.type !== 'call_expression') return undefined;
  const f = calleeOf(call);
  if (f?.type !== 'field_expression') return undefined;
  const receiver = f.childForFieldName('value');
  const nameNode = f.childForFieldName('field');
  if (!receiver || !nameNode) return undefined;
  return { call, receiver, name: nameNode.text, nameNode, args: callArgs(call) };
}

export function callArgs(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  return (args?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'line_comment' && a.type !== 'block_comment');
}

/** `x.await` directly on this expression (through parentheses). */
export function isAwaited(expr: Node): boolean {
  let p = expr.parent;
  while (p?.type === 'parenthesized_expression') p = p.parent;
  return p?.type === 'await_expression';
}

/** Strips `?`, `.unwrap()`, `.expect(..)`, parentheses and `&`/`*`: the expression whose value is meant. */
export function unwrapValue(expr: Node): Node {
  let cur = expr;
  for (;;) {
    if (cur.type === 'try_expression' || cur.type === 'parenthesized_expression' || cur.type === 'reference_expression' || cur.type === 'unary_expression') {
      const inner = cur.namedChildren.find((c) => !!c && c.type !== 'mutable_specifier');
      if (!inner) return cur;
      cur = inner;
      continue;
    }
    const m = methodCall(cur);
    if (m && (m.name === 'unwrap' || m.name === 'expect') && m.args.length <= 1) {
      cur = m.receiver;
      continue;
    }
    return cur;
  }
}
