// The type of an expression, as far as syntax tells: locals, parameters, `self` fields, statics,
// constructors (`Mutex::new`, `Arc::new(..)`), clones and aliases. Unknown means undefined: callers stay silent.
import type { Node } from '../parser';
import type { SourceFile } from '../source';
import type { Workspace } from '../workspace';
import { implSelfType } from '../syntax';
import { Locals, type Binding } from './locals';
import { canonicalPath, lastSegment, type UseMap } from './paths';
import { scopedUses } from './calls';
import { derefTransparent, typeFromNode, type TypeRef } from './types';

/** Where a value's type was written: what a fix rewrites to change it. */
export interface TypeOrigin {
  path: string;
  /** The type as written (a field's, parameter's or let's annotation). */
  type?: TypeRef;
  /** A constructor call that decided the type (`Mutex::new(..)`), when no annotation was written. */
  ctor?: { start: number; end: number; text: string };
  /** A stable name of the declaration: `Type.field`, `static NAME`, `let name@offset`. */
  key: string;
  /** A field declared `pub`/`pub(crate)`: other files may use it too. */
  visible?: boolean;
}

export interface Typed {
  type: TypeRef;
  origin?: TypeOrigin;
}

const MAX_DEPTH = 12;
const WRAPPING_CONSTRUCTORS = new Set(['std::sync::Arc', 'std::rc::Rc', 'std::boxed::Box', 'std::sync::Mutex', 'std::sync::RwLock', 'std::cell::RefCell']);
const CLONE_LIKE = new Set(['clone', 'to_owned', 'as_ref', 'borrow', 'deref', 'as_deref']);
const UNWRAPPERS = new Set(['unwrap', 'expect', 'unwrap_or_default', 'unwrap_unchecked']);

export class TypeEnv {
  private localsCache?: Locals;
  /** Imports in force in this function: its module's plus its own `use` items. */
  readonly uses: UseMap;
  private readonly selfType?: TypeRef;

  constructor(readonly file: SourceFile, readonly workspace: Workspace, readonly fn: Node, impl: Node | null) {
    const selfNode = implSelfType(impl);
    this.uses = scopedUses(fn, file.facts.uses);
    this.selfType = selfNode ? typeFromNode(selfNode, this.uses) : undefined;
  }

  /** Bindings of the function, collected on first use (most functions never need them). */
  get locals(): Locals {
    return (this.localsCache ??= new Locals(this.fn));
  }

  /** Expands a type alias (`type Shared = Arc<Mutex<State>>`) and resolves a local struct name. */
  expand(t: TypeRef, depth = 0): TypeRef {
    if (depth > MAX_DEPTH || t.path.includes('::')) return t;
    const alias = this.workspace.findAlias(t.path, this.file.path)?.value;
    if (!alias?.type) return t;
    const bound = new Map(alias.typeParams.map((p, i) => [p, t.args[i]]));
    const substitute = (x: TypeRef): TypeRef => (x.args.length === 0 && bound.get(x.path) ? bound.get(x.path)! : { ...x, args: x.args.map(substitute) });
    return this.expand({ ...substitute(alias.type), reference: t.reference || alias.type.reference, node: t.node }, depth + 1);
  }

  typeOf(expr: Node | null, depth = 0): Typed | undefined {
    if (!expr || depth > MAX_DEPTH) return undefined;
    switch (expr.type) {
      case 'parenthesized_expression':
      case 'reference_expression':
        return this.typeOf(expr.namedChildren.find((c) => c?.type !== 'mutable_specifier') ?? null, depth + 1);
      case 'unary_expression':
        return expr.text.startsWith('*') ? this.typeOf(expr.namedChild(0), depth + 1) : undefined;
      case 'self':
        return this.selfType ? { type: this.selfType } : undefined;
      case 'identifier':
        return this.typeOfName(expr, depth);
      case 'field_expression':
        return this.typeOfField(expr, depth);
      case 'call_expression':
        return this.typeOfCall(expr, depth);
      case 'try_expression': {
        const inner = this.typeOf(expr.namedChild(0), depth + 1);
        return inner && inner.type.args[0] ? { type: inner.type.args[0], origin: inner.origin } : undefined;
      }
      case 'struct_expression': {
        const name = expr.childForFieldName('name');
        return name ? { type: { path: canonicalPath(name.text, this.uses), args: [] } } : undefined;
      }
      default:
        return undefined;
    }
  }

  private typeOfName(id: Node, depth: number): Typed | undefined {
    const binding = this.locals.resolve(id.text, id.startIndex);
    if (binding) return this.typeOfBinding(binding, depth);
    const fromStatic = this.workspace.findStatic(id.text, this.file.path);
    if (fromStatic?.value.type) {
      return { type: this.expand(fromStatic.value.type), origin: { path: fromStatic.path, type: fromStatic.value.type, key: `static ${id.text}` } };
    }
    return undefined;
  }

  typeOfBinding(binding: Binding, depth = 0): Typed | undefined {
    const key = binding.kind === 'param' || binding.kind === 'self' ? `param ${binding.name}@${this.fn.startIndex}` : `let ${binding.name}@${binding.decl.startIndex}`;
    if (binding.kind === 'self') return this.selfType ? { type: this.selfType } : undefined;
    const written = typeFromNode(binding.typeNode ?? null, this.uses);
    if (written) return { type: this.expand(written), origin: { path: this.file.path, type: written, key } };
    if (binding.whole && binding.value && binding.kind === 'let') {
      const inferred = this.typeOf(binding.value, depth + 1);
      if (!inferred) return undefined;
      // `let m = Mutex::new(..)` declares a lock here; `let m = other.clone()` is the same lock as `other`.
      return inferred.origin ? inferred : { type: inferred.type, origin: { path: this.file.path, key, ctor: constructorSpan(binding.value) } };
    }
    return undefined;
  }

  private typeOfField(expr: Node, depth: number): Typed | undefined {
    const base = this.typeOf(expr.childForFieldName('value'), depth + 1);
    const field = expr.childForFieldName('field')?.text;
    if (!base || !field) return undefined;
    const owner = derefTransparent(this.expand(base.type));
    const struct = this.workspace.findStruct(lastSegment(owner.path), this.file.path);
    if (!struct || struct.value.kind !== 'struct') return undefined;
    const f = struct.value.fields.find((x) => x.name === field);
    if (!f?.type) return undefined;
    const params = new Map(struct.value.typeParams.map((p, i) => [p, owner.args[i]]));
    const substituted = substituteParams(f.type, params);
    const ownerKey = base.origin?.key.startsWith('static') ? base.origin.key : struct.value.name;
    return { type: this.expand(substituted), origin: { path: struct.path, type: f.type, key: `${ownerKey}.${field}`, visible: f.visible } };
  }

  private typeOfCall(expr: Node, depth: number): Typed | undefined {
    const fn = expr.childForFieldName('function');
    const args = expr.childForFieldName('arguments');
    if (!fn) return undefined;
    if (fn.type === 'field_expression') {
      const method = fn.childForFieldName('field')?.text ?? '';
      const receiver = fn.childForFieldName('value');
      if (CLONE_LIKE.has(method)) return this.typeOf(receiver, depth + 1);
      if (UNWRAPPERS.has(method)) {
        const inner = this.typeOf(receiver, depth + 1);
        return inner?.type.args[0] ? { type: inner.type.args[0] } : undefined;
      }
      return undefined;
    }
    const written = fn.type === 'generic_function' ? fn.childForFieldName('function') : fn;
    if (!written) return undefined;
    if (written.type === 'scoped_identifier') {
      const owner = written.childForFieldName('path');
      const name = written.childForFieldName('name')?.text ?? '';
      if (!owner) return undefined;
      const ownerPath = canonicalPath(owner.text.replace(/::<.*>$/, ''), this.uses);
      const firstArg = args?.namedChildren.find((c) => c !== null) ?? null;
      if (name === 'clone' && firstArg) return this.typeOf(firstArg, depth + 1);
      if (name === 'new' || name === 'default' || name === 'from' || name === 'const_new') {
        const inner = WRAPPING_CONSTRUCTORS.has(ownerPath) && firstArg ? this.typeOf(firstArg, depth + 1) : undefined;
        const type: TypeRef = { path: ownerPath, args: inner ? [inner.type] : [] };
        // The lock's own constructor decides where a fix rewrites it; a wrapper passes the inner one through.
        const origin = inner?.origin && ownerPath !== 'std::sync::Mutex' && ownerPath !== 'std::sync::RwLock' ? inner.origin : undefined;
        return { type: this.expand(type), origin };
      }
      return undefined;
    }
    if (written.type === 'identifier') {
      const ret = this.file.facts.fnReturns.get(written.text);
      return ret ? { type: this.expand(ret) } : undefined;
    }
    return undefined;
  }
}

function substituteParams(t: TypeRef, params: Map<string, TypeRef | undefined>): TypeRef {
  if (t.args.length === 0 && params.get(t.path)) return params.get(t.path)!;
  return { ...t, args: t.args.map((a) => substituteParams(a, params)) };
}

/** The innermost lock constructor call in an initialiser: `Arc::new(Mutex::new(0))` -> `Mutex::new(0)`'s callee. */
function constructorSpan(value: Node): { start: number; end: number; text: string } | undefined {
  let cur: Node | null = value;
  while (cur && cur.type === 'call_expression') {
    const fn = cur.childForFieldName('function');
    const text = fn?.text ?? '';
    if (/(^|::)(Mutex|RwLock|RefCell|ReentrantMutex)(::<.*>)?::(new|default|const_new)$/.test(text) && fn) {
      const owner = fn.childForFieldName('path');
      return owner ? { start: owner.startIndex, end: owner.endIndex, text: owner.text } : undefined;
    }
    cur = cur.childForFieldName('arguments')?.namedChild(0) ?? null;
  }
  return undefined;
}
