// Where a file stores into or reads struct fields: struct-literal inits and `.field` accesses, with the shape of the
// value stored and the method chain applied. Kept small (offsets and short texts): rc-cycle records it per file
// (Rule.collectFileData) so that its workspace check can build the cross-file "Downgrade to Weak" fix without trees.
import type { Node } from '../parser';
import { walkWithAncestors } from '../ancestor-walk';

export type ValueShape =
  | { kind: 'none' | 'default' | 'rcnew' | 'other'; start: number; end: number }
  /** `Some(v)`, `RefCell::new(v)`, `Box::new(v)`: `ctor` is `Some` or the type's last segment. */
  | { kind: 'wrap'; ctor: string; inner: ValueShape; start: number; end: number }
  /** `x.clone()` or `Rc::clone(e)`: `borrowed` is what `Rc::downgrade` takes (`&x`, or `e` as written). */
  | { kind: 'clone'; borrowed: string; start: number; end: number };

export interface ChainLink {
  /** Method name: `borrow`, `replace`, `clone`… */
  name: string;
  /** From the `.` before the name to the end of the call. */
  start: number;
  end: number;
  arg?: ValueShape;
}

export interface FieldSite {
  field: string;
  kind: 'init' | 'shorthand' | 'access';
  /** Init: the struct literal's type name (`Self` resolved). Access on `self`: the impl's type name. */
  owner?: string;
  /** `self.field`: the receiver's type is the impl's. */
  onSelf: boolean;
  /** The value an init or an assignment stores. */
  value?: ValueShape;
  /** Access: method calls applied to the field, in order. */
  chain: ChainLink[];
  /** Access: the value of the last call is used (not a statement of its own). */
  resultUsed: boolean;
  start: number;
  end: number;
  /** Start of the line of the statement containing the site, and its indentation: where a TODO comment goes. */
  lineStart: number;
  indent: string;
}

export interface FieldSites {
  sites: FieldSite[];
  /** A line start where a new `use` item may be inserted (after the last top-level `use`, or after inner attributes). */
  useInsertAt: number;
  /** Inline `mod { … }` bodies: imports of the file's top level are not in scope there. */
  modules: { start: number; end: number }[];
  /** Struct name -> derived traits `Weak` does not implement (`PartialEq`, `Hash`, …): a Weak field breaks the derive. */
  weakIncompatibleDerives: Record<string, { traits: string[]; lineStart: number; indent: string }>;
}

const WEAK_LACKS = new Set(['PartialEq', 'Eq', 'PartialOrd', 'Ord', 'Hash']);

/** Derives in the attributes right above a struct that a `Weak` field would break. */
function incompatibleDerives(item: Node): string[] {
  const found: string[] = [];
  for (let s = item.previousNamedSibling; s && (s.type === 'attribute_item' || s.type.endsWith('comment')); s = s.previousNamedSibling) {
    const m = /^#\[\s*derive\s*\(([^)]*)\)/.exec(s.text);
    for (const name of m?.[1].split(',') ?? []) {
      const trait = last(name.trim());
      if (WEAK_LACKS.has(trait)) found.push(trait);
    }
  }
  return found;
}

/** True when `offset` lies inside an inline module (where the file's top-level `use` items do not apply). */
export function inInlineModule(sites: FieldSites, offset: number): boolean {
  return sites.modules.some((m) => m.start <= offset && offset < m.end);
}

const MAX_CHAIN = 4;
const MAX_SHAPE_DEPTH = 4;

const last = (path: string) => path.slice(path.lastIndexOf(':') + 1);

function calleeText(call: Node): string | undefined {
  let f = call.childForFieldName('function');
  if (f?.type === 'generic_function') f = f.childForFieldName('function');
  return f && (f.type === 'identifier' || f.type === 'scoped_identifier') ? f.text.replace(/\s+/g, '') : undefined;
}

function firstArg(call: Node): Node | undefined {
  return call.childForFieldName('arguments')?.namedChildren.find((a): a is Node => !!a && !a.type.endsWith('comment'));
}

function argCount(call: Node): number {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a && !a.type.endsWith('comment')).length;
}

/** What a stored expression is, as far as a Weak rewrite cares. */
export function shapeOf(node: Node, depth = 0): ValueShape {
  const span = { start: node.startIndex, end: node.endIndex };
  if (node.type === 'parenthesized_expression' && node.namedChildren[0] && depth <= MAX_SHAPE_DEPTH) return shapeOf(node.namedChildren[0], depth + 1);
  if ((node.type === 'identifier' || node.type === 'scoped_identifier') && last(node.text) === 'None') return { kind: 'none', ...span };
  if (node.type !== 'call_expression' || depth > MAX_SHAPE_DEPTH) return { kind: 'other', ...span };
  const callee = calleeText(node);
  const arg = firstArg(node);
  const fn = node.childForFieldName('function');
  if (!callee) {
    // `x.clone()`
    if (fn?.type === 'field_expression' && fn.childForFieldName('field')?.text === 'clone' && argCount(node) === 0) {
      return { kind: 'clone', borrowed: `&${fn.childForFieldName('value')!.text}`, ...span };
    }
    return { kind: 'other', ...span };
  }
  const segs = callee.split('::');
  const name = segs[segs.length - 1];
  const type = segs.length > 1 ? segs[segs.length - 2] : '';
  // `Default::default()`, `OnceCell::new()`, `Weak::new()`: an empty value, valid for the Weak type as well.
  if ((name === 'default' || name === 'new') && argCount(node) === 0) return { kind: 'default', ...span };
  if ((type === 'Rc' || type === 'Arc') && name === 'clone' && arg && argCount(node) === 1) return { kind: 'clone', borrowed: arg.text, ...span };
  if ((type === 'Rc' || type === 'Arc') && name.startsWith('new')) return { kind: 'rcnew', ...span };
  if (arg && argCount(node) === 1 && (callee === 'Some' || callee.endsWith('Option::Some'))) return { kind: 'wrap', ctor: 'Some', inner: shapeOf(arg, depth + 1), ...span };
  if (arg && argCount(node) === 1 && name === 'new' && type) return { kind: 'wrap', ctor: type, inner: shapeOf(arg, depth + 1), ...span };
  return { kind: 'other', ...span };
}

/** Where a node sits: its ancestors (root first) and, per depth, the nearest statement holder and `impl` (-1: none). */
interface Where {
  path: readonly Node[];
  holderAt: number[];
  implAt: number[];
}

const STATEMENT_HOLDERS = new Set(['block', 'source_file', 'declaration_list', 'field_initializer_list']);

/** The statement (or item) containing the node at depth `d`: its line start and indentation. */
function statementLine(node: Node, d: number, where: Where, text: string): { lineStart: number; indent: string } {
  const holder = d > 0 ? where.holderAt[d - 1] : -1;
  const stmt = holder >= 0 && holder + 1 < d ? where.path[holder + 1] : node;
  const lineStart = text.lastIndexOf('\n', stmt.startIndex - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, stmt.startIndex))![0];
  return { lineStart, indent };
}

/** The type name of the `impl` around depth `d`: `impl<T> Foo<T>` -> `Foo`. */
function implTypeName(d: number, where: Where): string | undefined {
  const at = d > 0 ? where.implAt[d - 1] : -1;
  if (at < 0) return undefined;
  const t = where.path[at].childForFieldName('type');
  const base = t?.type === 'generic_type' ? t.childForFieldName('type') : t;
  return base ? last(base.text) : undefined;
}

function literalOwner(d: number, where: Where): string | undefined {
  const literal = d >= 2 ? where.path[d - 2] : undefined;
  if (literal?.type !== 'struct_expression') return undefined;
  const name = literal.childForFieldName('name');
  const base = name?.type === 'generic_type_with_turbofish' || name?.type === 'generic_type' ? name.childForFieldName('type') : name;
  const written = base ? last(base.text) : undefined;
  return written === 'Self' ? implTypeName(d, where) : written;
}

/** Method calls applied to `fe` (`.borrow().clone()`), then whether the result is stored into (`*… = v`, `… = v`). */
function accessSite(fe: Node, d: number, where: Where, text: string): FieldSite | undefined {
  const field = fe.childForFieldName('field');
  const receiver = fe.childForFieldName('value');
  if (!field || !receiver) return undefined;
  const { path } = where;
  const chain: ChainLink[] = [];
  let cur = fe;
  let at = d; // depth of `cur`
  while (chain.length < MAX_CHAIN && at >= 2) {
    const member = path[at - 1];
    const call = path[at - 2];
    if (member.type !== 'field_expression' || member.childForFieldName('value')?.id !== cur.id || call.type !== 'call_expression' || call.childForFieldName('function')?.id !== member.id) break;
    const arg = firstArg(call);
    chain.push({ name: member.childForFieldName('field')!.text, start: cur.endIndex, end: call.endIndex, arg: arg ? shapeOf(arg) : undefined });
    cur = call;
    at -= 2;
  }
  let target = cur;
  let targetAt = at;
  const parentOf = (depth: number) => (depth > 0 ? path[depth - 1] : undefined);
  const deref = parentOf(targetAt);
  if (deref?.type === 'unary_expression' && deref.child(0)?.type === '*') {
    target = deref;
    targetAt--;
  }
  const up = parentOf(targetAt);
  const assign = up?.type === 'assignment_expression' && up.childForFieldName('left')?.id === target.id ? up : undefined;
  const right = assign?.childForFieldName('right');
  const onSelf = receiver.type === 'self';
  return {
    field: field.text, kind: 'access', owner: onSelf ? implTypeName(d, where) : undefined, onSelf, value: right ? shapeOf(right) : undefined,
    chain, resultUsed: !assign && parentOf(at)?.type !== 'expression_statement', start: fe.startIndex, end: fe.endIndex, ...statementLine(fe, d, where, text),
  };
}

function initSite(init: Node, kind: 'init' | 'shorthand', d: number, where: Where, text: string): FieldSite | undefined {
  const name = kind === 'init' ? init.childForFieldName('field') : init.namedChildren[0];
  if (!name) return undefined;
  const value = kind === 'init' ? init.childForFieldName('value') : null;
  return {
    field: name.text, kind, owner: literalOwner(d, where), onSelf: false, value: value ? shapeOf(value) : undefined, chain: [], resultUsed: false,
    start: init.startIndex, end: init.endIndex, ...statementLine(init, d, where, text),
  };
}

/** True for the `name` in `x.name(…)`: a method call, not a field access. */
function isMethodName(fe: Node, parent: Node | undefined): boolean {
  return parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === fe.id;
}

/** After the last top-level `use`, inner attribute or inner doc comment (a `use` may not precede those). */
function useInsertOffset(root: Node, text: string): number {
  let after = 0;
  for (const child of root.namedChildren) {
    if (!child) continue;
    const inner = child.type === 'inner_attribute_item' || text.startsWith('//!', child.startIndex) || text.startsWith('/*!', child.startIndex);
    if (child.type === 'use_declaration' || inner) {
      const nl = text.indexOf('\n', child.endIndex - 1);
      after = nl < 0 ? text.length : nl + 1;
    } else if (child.type !== 'line_comment' && child.type !== 'block_comment') break;
  }
  return after;
}

/** One iterative walk (ancestors kept on a path: no `node.parent`, which costs O(depth) per call). */
export function collectFieldSites(root: Node): FieldSites {
  const text = root.text;
  const sites: FieldSite[] = [];
  const modules: { start: number; end: number }[] = [];
  const derives: FieldSites['weakIncompatibleDerives'] = {};
  const where: Where = { path: [], holderAt: [], implAt: [] };
  walkWithAncestors(root, (node, path) => {
    const d = path.length;
    where.path = path;
    where.holderAt[d] = STATEMENT_HOLDERS.has(node.type) ? d : d > 0 ? where.holderAt[d - 1] : -1;
    where.implAt[d] = node.type === 'impl_item' ? d : d > 0 ? where.implAt[d - 1] : -1;
    let site: FieldSite | undefined;
    if (node.type === 'field_expression') site = isMethodName(node, path[d - 1]) ? undefined : accessSite(node, d, where, text);
    else if (node.type === 'field_initializer') site = initSite(node, 'init', d, where, text);
    else if (node.type === 'shorthand_field_initializer') site = initSite(node, 'shorthand', d, where, text);
    else if (node.type === 'declaration_list' && path[d - 1]?.type === 'mod_item') modules.push({ start: node.startIndex, end: node.endIndex });
    else if (node.type === 'struct_item') {
      const name = node.childForFieldName('name')?.text;
      const bad = name ? incompatibleDerives(node) : [];
      if (name && bad.length) derives[name] = { traits: bad, ...statementLine(node, d, where, text) };
    }
    if (site) sites.push(site);
  });
  return { sites, useInsertAt: useInsertOffset(root, text), modules, weakIncompatibleDerives: derives };
}
