// Local bindings of one function: parameters, lets, closure params, if-let/while-let/match/for patterns.
// A name at an offset resolves to the binding with the latest start whose scope contains it (shadowing).
import type { Node } from '../parser';
import { walk } from '../syntax';

export type BindingKind = 'param' | 'self' | 'let' | 'pattern';

export interface Binding {
  name: string;
  kind: BindingKind;
  /** The identifier node in the pattern. */
  decl: Node;
  /** Visible from here (after the `let` statement, or the start of the arm/body) ... */
  start: number;
  /** ... to here (end of the enclosing block / body). */
  end: number;
  /** Declared type, when written. */
  typeNode?: Node | null;
  /** Initialiser (`let x = VALUE`) or the scrutinee a pattern destructures. */
  value?: Node | null;
  /** The `let_declaration`, for statement-level reasoning. */
  statement?: Node;
  /** True when the pattern is the whole binding (`let x = v`), not a part of it (`let (x, y) = v`). */
  whole: boolean;
}

function identifiersIn(pattern: Node | null): Node[] {
  if (!pattern) return [];
  if (pattern.type === 'identifier') return [pattern];
  const out: Node[] = [];
  walk(pattern, (n) => {
    if (n.type === 'identifier') {
      const parent = n.parent;
      // `Some(x)`: `Some` is the constructor (field `type`), not a binding.
      const isConstructor = parent && (parent.type === 'tuple_struct_pattern' || parent.type === 'struct_pattern') && parent.childForFieldName('type')?.id === n.id;
      const isPathPart = parent?.type === 'scoped_identifier';
      if (!isConstructor && !isPathPart && !/^[A-Z]/.test(n.text)) out.push(n);
      return false;
    }
    return n.type !== 'scoped_identifier';
  });
  return out;
}

export class Locals {
  private readonly byName = new Map<string, Binding[]>();

  constructor(readonly root: Node) {
    this.collect();
  }

  private add(b: Binding) {
    const list = this.byName.get(b.name) ?? [];
    list.push(b);
    this.byName.set(b.name, list);
  }

  private addPattern(pattern: Node | null, kind: BindingKind, start: number, end: number, extra: Partial<Binding>) {
    const ids = identifiersIn(pattern);
    const whole = pattern?.type === 'identifier';
    for (const id of ids) this.add({ name: id.text, kind, decl: id, start, end, whole, ...extra });
  }

  private collect() {
    walk(this.root, (n) => {
      switch (n.type) {
        case 'parameters':
        case 'closure_parameters': {
          const body = n.parent?.childForFieldName('body');
          const end = body?.endIndex ?? n.parent?.endIndex ?? n.endIndex;
          for (const p of n.namedChildren) {
            if (!p) continue;
            if (p.type === 'self_parameter') this.add({ name: 'self', kind: 'self', decl: p, start: n.endIndex, end, whole: true });
            else if (p.type === 'parameter') this.addPattern(p.childForFieldName('pattern'), 'param', n.endIndex, end, { typeNode: p.childForFieldName('type') });
            else this.addPattern(p, 'param', n.endIndex, end, {});
          }
          return true;
        }
        case 'let_declaration': {
          const block = n.parent;
          this.addPattern(n.childForFieldName('pattern'), 'let', n.endIndex, block?.endIndex ?? n.endIndex, {
            typeNode: n.childForFieldName('type'),
            value: n.childForFieldName('value'),
            statement: n,
          });
          return true;
        }
        case 'let_condition': {
          // `if let P = v { A } else { B }`: bound in A; `while let`: in the body.
          const owner = n.parent?.type === 'let_chain' ? n.parent.parent : n.parent;
          const body = owner?.childForFieldName('consequence') ?? owner?.childForFieldName('body');
          if (body) this.addPattern(n.childForFieldName('pattern'), 'pattern', n.endIndex, body.endIndex, { value: n.childForFieldName('value') });
          return true;
        }
        case 'match_arm': {
          const scrutinee = n.parent?.parent?.childForFieldName('value');
          this.addPattern(n.childForFieldName('pattern'), 'pattern', n.childForFieldName('pattern')?.endIndex ?? n.startIndex, n.endIndex, { value: scrutinee });
          return true;
        }
        case 'for_expression': {
          const body = n.childForFieldName('body');
          if (body) this.addPattern(n.childForFieldName('pattern'), 'pattern', body.startIndex, body.endIndex, {});
          return true;
        }
        default:
          return true;
      }
    });
  }

  /** The binding a name refers to at `offset`, or undefined (a static, a path, or unknown). */
  resolve(name: string, offset: number): Binding | undefined {
    let best: Binding | undefined;
    for (const b of this.byName.get(name) ?? []) {
      if (b.start <= offset && offset < b.end && (!best || b.start >= best.start)) best = b;
    }
    return best;
  }

  /** The bindings a `let` statement declares. */
  resolveDeclaredBy(statement: Node): Binding[] {
    const out: Binding[] = [];
    for (const list of this.byName.values()) for (const b of list) if (b.statement?.id === statement.id) out.push(b);
    return out;
  }

  /** Bindings of if-let/while-let/match patterns that destructure `value` (the scrutinee). */
  bindingsFromValue(value: Node): Binding[] {
    const out: Binding[] = [];
    for (const list of this.byName.values()) for (const b of list) if (b.kind === 'pattern' && b.value?.id === value.id) out.push(b);
    return out;
  }

  /** Every identifier that refers to `binding` (uses, not the declaration). */
  references(binding: Binding): Node[] {
    const out: Node[] = [];
    walk(this.root, (n) => {
      if (n.endIndex <= binding.start || n.startIndex >= binding.end) return false;
      if ((n.type === 'identifier' || n.type === 'self') && n.text === binding.name && n.id !== binding.decl.id) {
        const parent = n.parent;
        const isFieldName = parent?.type === 'field_expression' && parent.childForFieldName('field')?.id === n.id;
        const isPath = parent?.type === 'scoped_identifier';
        if (!isFieldName && !isPath && this.resolve(n.text, n.startIndex) === binding) out.push(n);
      }
      return true;
    });
    return out;
  }
}
