// Where a guard (or RefCell borrow) lives, by Rust's drop rules:
// - bound by `let`: to the end of its block, unless moved out (`drop(g)`, passed by value, returned);
//   shadowing does not end it; `let _ = …` drops at once;
// - a temporary: to the end of its statement, except `match`/`if let`/`while let` scrutinees, which live
//   through the whole expression (Rust 2024 drops `if let` temporaries before `else`);
// - plain `if`/`while` conditions and `&&`/`||` operands drop their temporaries right away;
// - closures and async blocks are their own bodies.
import type { Node } from './parser';
import type { Edition } from './crate';
import type { Binding } from './resolve/locals';
import type { TypeEnv } from './resolve/expr';
import type { Acquisition } from './resolve/locks';
import type { OffsetRange } from './text';
import { ancestors, isBodyBoundary } from './syntax';

export type GuardKind = 'named' | 'temporary' | 'extended';

export interface GuardLife {
  kind: GuardKind;
  /** The bindings holding the guard (named), or destructuring it out of a scrutinee. */
  bindings: Binding[];
  start: number;
  end: number;
  /** Parts of [start, end) where the guard is already gone (after a move on that path). */
  dead: OffsetRange[];
  /** Extra live ranges: a loop body whose next iteration still holds the guard. */
  extra: OffsetRange[];
  /** The first unconditional move that ended the guard, if any. */
  movedAt?: Node;
  /** Every place the guard is moved away (conditionally or not). */
  moves: Node[];
}

export function isAlive(life: GuardLife, offset: number): boolean {
  const inMain = offset >= life.start && offset < life.end && !life.dead.some((d) => offset >= d.start && offset < d.end);
  return inMain || life.extra.some((r) => offset >= r.start && offset < r.end);
}

const field = (node: Node | null | undefined, name: string) => node?.childForFieldName(name) ?? null;
const is = (a: Node | null | undefined, b: Node | null | undefined) => !!a && !!b && a.id === b.id;

/** Place projections that keep borrowing a temporary: `.field`, `[i]`, `*x`, `(x)`. */
function climbPlace(node: Node): Node {
  let cur = node;
  for (;;) {
    const p = cur.parent;
    if (!p) return cur;
    const isFieldValue = p.type === 'field_expression' && is(field(p, 'value'), cur) && p.parent?.type !== 'call_expression';
    const isIndexed = p.type === 'index_expression' && is(p.namedChild(0), cur);
    const isDeref = p.type === 'unary_expression' && p.text.startsWith('*');
    if (isFieldValue || isIndexed || isDeref || p.type === 'parenthesized_expression') cur = p;
    else return cur;
  }
}

/** `let x = &m.lock().unwrap().field;` extends the temporary to the end of the let's block. */
function extendingLet(guard: Node): Node | null {
  const place = climbPlace(guard);
  const ref = place.parent;
  if (ref?.type !== 'reference_expression') return null;
  const letDecl = ref.parent;
  return letDecl?.type === 'let_declaration' && is(field(letDecl, 'value'), ref) ? letDecl : null;
}

function isTailExpression(node: Node, block: Node): boolean {
  return block.type === 'block' && is(block.lastNamedChild, node) && !node.type.endsWith('_statement') && node.type !== 'let_declaration' && !node.type.endsWith('_item');
}

/** Bodies of `if`/`else` and of loops end their temporaries (only plain `{ … }` blocks pass them outward). */
function isTerminatingBlock(block: Node): boolean {
  const p = block.parent;
  if (!p) return true;
  if (p.type === 'else_clause') return true;
  if (p.type === 'if_expression') return is(field(p, 'consequence'), block);
  return (p.type === 'loop_expression' || p.type === 'while_expression' || p.type === 'for_expression') && is(field(p, 'body'), block);
}

function isLetCondition(node: Node): boolean {
  return node.type === 'let_condition' || node.type === 'let_chain';
}

/** The end of the temporary scope `node` belongs to. */
export function temporaryScopeEnd(node: Node, edition: Edition): number {
  let cur = node;
  for (let p = cur.parent; p; cur = p, p = p.parent) {
    if (isBodyBoundary(p)) return cur.endIndex;
    switch (p.type) {
      case 'expression_statement':
        return p.endIndex;
      case 'let_declaration':
        // `let P = v else { … }` drops v's temporaries before the else block runs.
        return field(p, 'alternative') && is(field(p, 'value'), cur) ? cur.endIndex : p.endIndex;
      case 'match_pattern':
        // A match guard (`p if cond =>`) is its own temporary scope.
        if (is(field(p, 'condition'), cur)) return cur.endIndex;
        break;
      case 'if_expression':
        if (is(field(p, 'condition'), cur)) {
          if (!isLetCondition(cur)) return cur.endIndex;
          if (edition === '2024') return field(p, 'consequence')?.endIndex ?? p.endIndex;
        }
        break;
      case 'while_expression':
        if (is(field(p, 'condition'), cur)) return isLetCondition(cur) ? field(p, 'body')?.endIndex ?? p.endIndex : cur.endIndex;
        break;
      case 'binary_expression':
        if (/^(&&|\|\|)$/.test(p.child(1)?.text ?? '')) return cur.endIndex;
        break;
      case 'match_arm':
        if (is(field(p, 'value'), cur)) return cur.endIndex;
        break;
      case 'loop_expression':
      case 'for_expression':
        if (is(field(p, 'body'), cur)) return cur.endIndex;
        break;
      case 'block':
        if (!isTailExpression(cur, p) || edition === '2024' || isTerminatingBlock(p)) return p.endIndex;
        break;
    }
  }
  return cur.endIndex;
}

/** The block, branch or arm that only runs sometimes (relative to `scope`), around `node`. */
function conditionalRegion(node: Node, scopeEnd: number, scopeStart: number): Node | null {
  for (const a of ancestors(node)) {
    if (a.startIndex < scopeStart || a.endIndex > scopeEnd) return null;
    const p = a.parent;
    if (!p) return null;
    const isBranch = (p.type === 'if_expression' && (is(field(p, 'consequence'), a))) || p.type === 'else_clause' || (p.type === 'match_arm' && is(field(p, 'value'), a));
    const isLoopBody = (p.type === 'loop_expression' || p.type === 'while_expression' || p.type === 'for_expression') && is(field(p, 'body'), a);
    if (isBranch || isLoopBody) return a;
  }
  return null;
}

/** The reference passes the guard away by value: `drop(g)`, `f(g)`, `return g`, `let h = g`, `S { g }`. */
function moveKind(ref: Node): 'move' | 'rebind' | undefined {
  const p = ref.parent;
  if (!p) return undefined;
  switch (p.type) {
    case 'arguments':
    case 'return_expression':
    case 'tuple_expression':
    case 'array_expression':
    case 'shorthand_field_initializer':
      return 'move';
    case 'field_initializer':
      return is(field(p, 'value'), ref) ? 'move' : undefined;
    case 'let_declaration':
      return is(field(p, 'value'), ref) ? 'rebind' : undefined;
    default:
      return undefined;
  }
}

/** A `move` closure or async block that captures the reference moves the guard into it. */
function movingClosure(ref: Node, stopAt: number): Node | null {
  for (const a of ancestors(ref)) {
    if (a.startIndex < stopAt) return null;
    if ((a.type === 'closure_expression' || a.type === 'async_block') && /^(async\s+)?move\b|^move\b/.test(a.text.replace(/^async\s+/, 'async '))) return a;
    if (a.type === 'function_item') return null;
  }
  return null;
}

interface MoveEffect {
  dead: OffsetRange;
  unconditional: boolean;
  node: Node;
  rebound?: Binding;
}

function movesOf(binding: Binding, env: TypeEnv): MoveEffect[] {
  const effects: MoveEffect[] = [];
  for (const ref of env.locals.references(binding)) {
    const closure = movingClosure(ref, binding.start);
    const kind = closure ? 'move' : moveKind(ref);
    if (!kind) continue;
    // The whole call (`drop(g)`), not just the argument, is where the guard goes.
    const at = closure ?? (ref.parent?.type === 'arguments' && ref.parent.parent ? ref.parent.parent : ref);
    const region = conditionalRegion(at, binding.end, binding.start);
    const rebound = kind === 'rebind' ? env.locals.resolve(ref.parent!.childForFieldName('pattern')?.text ?? '', ref.parent!.endIndex) : undefined;
    effects.push({ dead: { start: at.endIndex, end: region ? region.endIndex : binding.end }, unconditional: !region, node: at, rebound });
  }
  return effects;
}

/** `if c { drop(g) } else { drop(g) }`: moved on every path, so gone after the `if`. */
function movedOnBothBranches(effects: MoveEffect[]): OffsetRange[] {
  const out: OffsetRange[] = [];
  for (const e of effects) {
    const branch = conditionalRegion(e.node, Infinity, 0);
    const ifExpr = branch?.parent?.type === 'if_expression' ? branch.parent : branch?.parent?.type === 'else_clause' ? branch.parent.parent : null;
    if (!ifExpr || !field(ifExpr, 'alternative')) continue;
    const [thenBlock, elseClause] = [field(ifExpr, 'consequence'), field(ifExpr, 'alternative')];
    const movedIn = (n: Node | null) => !!n && effects.some((x) => x.node.startIndex >= n.startIndex && x.node.endIndex <= n.endIndex);
    if (movedIn(thenBlock) && movedIn(elseClause)) out.push({ start: ifExpr.endIndex, end: Infinity });
  }
  return out;
}

function namedLife(bindings: Binding[], start: number, end: number, env: TypeEnv, depth = 0): GuardLife {
  const life: GuardLife = { kind: 'named', bindings, start, end, dead: [], extra: [], moves: [] };
  for (const b of bindings) {
    const effects = movesOf(b, env);
    for (const e of effects) {
      if (e.unconditional && (!life.movedAt || e.node.startIndex < life.movedAt.startIndex)) life.movedAt = e.node;
      life.dead.push(e.dead);
      life.moves.push(e.node);
      // `let h = g;` hands the guard on: it lives on as `h`.
      if (e.rebound && depth < 4) {
        const next = namedLife([e.rebound], e.rebound.start, e.rebound.end, env, depth + 1);
        life.extra.push(...liveRanges(next));
      }
    }
    life.dead.push(...movedOnBothBranches(effects));
  }
  if (life.movedAt) life.end = Math.min(life.end, life.movedAt.endIndex);
  return life;
}

/** The live parts of a life as plain ranges. */
function liveRanges(life: GuardLife): OffsetRange[] {
  const cuts = life.dead.filter((d) => d.end > life.start && d.start < life.end).sort((a, b) => a.start - b.start);
  const out: OffsetRange[] = [];
  let cursor = life.start;
  for (const c of cuts) {
    if (c.start > cursor) out.push({ start: cursor, end: c.start });
    cursor = Math.max(cursor, c.end);
  }
  if (cursor < life.end) out.push({ start: cursor, end: life.end });
  return [...out, ...life.extra];
}

function innermostLoop(node: Node, notContaining: number): Node | null {
  for (const a of ancestors(node)) {
    if (isBodyBoundary(a)) return null;
    if ((a.type === 'loop_expression' || a.type === 'while_expression' || a.type === 'for_expression') && a.startIndex > notContaining) return a;
  }
  return null;
}

/** How long the guard produced by `acq` lives. */
export function guardLife(acq: Acquisition, env: TypeEnv, edition: Edition): GuardLife {
  const g = acq.guard;
  const parent = g.parent;
  // let g = m.lock().unwrap();
  if (parent?.type === 'let_declaration' && is(field(parent, 'value'), g)) {
    const bindings = [...env.locals.resolveDeclaredBy(parent)];
    if (bindings.length) {
      const life = namedLife(bindings, g.endIndex, bindings[0].end, env);
      const otherwise = field(parent, 'alternative');
      if (otherwise) life.dead.push({ start: otherwise.startIndex, end: otherwise.endIndex });
      return life;
    }
    return { kind: 'temporary', bindings: [], start: g.endIndex, end: parent.endIndex, dead: [], extra: [], moves: [] };
  }
  // g = m.lock().unwrap(); where g was declared earlier, perhaps outside a loop.
  if (parent?.type === 'assignment_expression' && is(field(parent, 'right'), g) && field(parent, 'left')?.type === 'identifier') {
    const b = env.locals.resolve(field(parent, 'left')!.text, parent.startIndex);
    if (b) {
      const life = namedLife([b], g.endIndex, b.end, env);
      // The next iteration holds the previous guard from the loop's start until it is moved (`drop(g)`) in the body.
      const loop = innermostLoop(parent, b.decl.startIndex);
      if (loop) {
        const firstMove = life.moves.filter((m) => m.startIndex >= loop.startIndex && m.endIndex <= loop.endIndex).sort((a, b) => a.startIndex - b.startIndex)[0];
        life.extra.push({ start: loop.startIndex, end: firstMove ? firstMove.endIndex : loop.endIndex });
      }
      return life;
    }
  }
  const extending = extendingLet(g);
  if (extending) {
    const block = extending.parent;
    return { kind: 'extended', bindings: [], start: g.endIndex, end: block?.endIndex ?? extending.endIndex, dead: [], extra: [], moves: [] };
  }
  const life: GuardLife = { kind: 'temporary', bindings: [], start: g.endIndex, end: temporaryScopeEnd(g, edition), dead: [], extra: [], moves: [] };
  // `if let Ok(g) = m.lock()` / `match m.lock() { Ok(g) => … }`: the pattern moves the guard into `g`.
  const destructured = env.locals.bindingsFromValue(g);
  if (destructured.length) {
    for (const b of destructured) {
      for (const e of movesOf(b, env)) {
        life.dead.push(e.dead);
        life.moves.push(e.node);
      }
    }
    life.bindings = destructured;
  }
  return life;
}
