// Where a file stores into or reads struct fields: struct-literal inits and `.field` accesses, with the shape of the
// value stored and the method chain applied. Kept small (offsets and short texts): rc-cycle records it per file
// (Rule.collectFileData) so that its workspace check can build the cross-file "Downgrade to Weak" fix without trees.
import type { Node } from '../parser';
import { query } from '../parser';

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
}

/** True when `offset` lies inside an inline module (where the file's top-level `use` items do not apply). */
export function inInlineModule(sites: FieldSites, offset: number): boolean {
  return sites.modules.some((m) => m.start <= offset && offset < m.end);
}

const SITES_QUERY = '(field_expression) @access (field_initializer) @init (shorthand_field_initializer) @shorthand';
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
  if (node.type === 'parenthesized_expression' && node.namedChildren[0]) return shapeOf(node.namedChildren[0], depth);
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

/** The statement (or item) containing `node`: its line start and indentation. */
function statementLine(node: Node, text: string): { lineStart: number; indent: string } {
  let cur = node;
  while (cur.parent && !['block', 'source_file', 'declaration_list', 'field_initializer_list'].includes(cur.parent.type)) cur = cur.parent;
  const lineStart = text.lastIndexOf('\n', cur.startIndex - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, cur.startIndex))![0];
  return { lineStart, indent };
}

/** The type name an `impl` is for: `impl<T> Foo<T>` -> `Foo`. */
function implTypeName(node: Node): string | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type !== 'impl_item') continue;
    const t = p.childForFieldName('type');
    const base = t?.type === 'generic_type' ? t.childForFieldName('type') : t;
    return base ? last(base.text) : undefined;
  }
  return undefined;
}

function literalOwner(init: Node): string | undefined {
  const literal = init.parent?.parent;
  if (literal?.type !== 'struct_expression') return undefined;
  const name = literal.childForFieldName('name');
  const base = name?.type === 'generic_type_with_turbofish' || name?.type === 'generic_type' ? name.childForFieldName('type') : name;
  const written = base ? last(base.text) : undefined;
  return written === 'Self' ? implTypeName(init) : written;
}

/** Method calls applied to `fe` (`.borrow().clone()`), then whether the result is stored into (`*… = v`, `… = v`). */
function accessSite(fe: Node, text: string): FieldSite | undefined {
  const field = fe.childForFieldName('field');
  const receiver = fe.childForFieldName('value');
  if (!field || !receiver) return undefined;
  const chain: ChainLink[] = [];
  let cur = fe;
  while (chain.length < MAX_CHAIN) {
    const member = cur.parent;
    const call = member?.parent;
    if (member?.type !== 'field_expression' || member.childForFieldName('value')?.id !== cur.id || call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== member.id) break;
    const arg = firstArg(call);
    chain.push({ name: member.childForFieldName('field')!.text, start: cur.endIndex, end: call.endIndex, arg: arg ? shapeOf(arg) : undefined });
    cur = call;
  }
  let target = cur;
  if (target.parent?.type === 'unary_expression' && target.parent.text.startsWith('*')) target = target.parent;
  const assign = target.parent?.type === 'assignment_expression' && target.parent.childForFieldName('left')?.id === target.id ? target.parent : undefined;
  const right = assign?.childForFieldName('right');
  const onSelf = receiver.type === 'self';
  return {
    field: field.text, kind: 'access', owner: onSelf ? implTypeName(fe) : undefined, onSelf, value: right ? shapeOf(right) : undefined,
    chain, resultUsed: !assign && cur.parent?.type !== 'expression_statement', start: fe.startIndex, end: fe.endIndex, ...statementLine(fe, text),
  };
}

function initSite(init: Node, kind: 'init' | 'shorthand', text: string): FieldSite | undefined {
  const name = kind === 'init' ? init.childForFieldName('field') : init.namedChildren[0];
  if (!name) return undefined;
  const value = kind === 'init' ? init.childForFieldName('value') : null;
  return {
    field: name.text, kind, owner: literalOwner(init), onSelf: false, value: value ? shapeOf(value) : undefined, chain: [], resultUsed: false,
    start: init.startIndex, end: init.endIndex, ...statementLine(init, text),
  };
}

/** True for the `name` in `x.name(…)`: a method call, not a field access. */
function isMethodName(fe: Node): boolean {
  const call = fe.parent;
  return call?.type === 'call_expression' && call.childForFieldName('function')?.id === fe.id;
}

/** After the last top-level `use`, inner attribute or inner doc comment (a `use` may not precede those). */
function useInsertOffset(root: Node, text: string): number {
  let after = 0;
  for (const child of root.namedChildren) {
    if (!child) continue;
    const inner = child.type === 'inner_attribute_item' || /^(\/\/!|\/\*!)/.test(child.text);
    if (child.type === 'use_declaration' || inner) {
      const nl = text.indexOf('\n', child.endIndex - 1);
      after = nl < 0 ? text.length : nl + 1;
    } else if (child.type !== 'line_comment' && child.type !== 'block_comment') break;
  }
  return after;
}

export function collectFieldSites(root: Node): FieldSites {
  const text = root.text;
  const sites: FieldSite[] = [];
  for (const { name, node } of query(SITES_QUERY).captures(root)) {
    let site: FieldSite | undefined;
    if (name === 'access') site = isMethodName(node) ? undefined : accessSite(node, text);
    else site = initSite(node, name as 'init' | 'shorthand', text);
    if (site) sites.push(site);
  }
  const modules = query('(mod_item body: (declaration_list) @body)').captures(root).map(({ node }) => ({ start: node.startIndex, end: node.endIndex }));
  return { sites, useInsertAt: useInsertOffset(root, text), modules };
}
