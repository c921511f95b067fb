// Suspension points of one async body: `.await`s and the awaiting macros (`select!`, `join!`),
// not those of nested closures, async blocks or fns (they suspend another future).
import type { Node } from './parser';
import { ownDescendants } from './syntax';

export interface AwaitPoint {
  /** Where the future suspends: the `.await` keyword, or the macro. */
  offset: number;
  range: { start: number; end: number };
  /** The awaited expression's text, for messages. */
  label: string;
}

const AWAITING_MACROS = /(^|::)(select|select_biased|join|try_join|join_all)$/;

function fromAwaitExpression(node: Node): AwaitPoint {
  const inner = node.namedChild(0);
  const start = inner ? inner.endIndex : node.startIndex;
  const label = node.text.length > 60 ? `${node.text.slice(0, 57).replace(/\s+/g, ' ')}…` : node.text.replace(/\s+/g, ' ');
  return { offset: start, range: { start, end: node.endIndex }, label };
}

function fromMacro(node: Node): AwaitPoint[] {
  const name = node.childForFieldName('macro')?.text ?? '';
  if (AWAITING_MACROS.test(name)) return [{ offset: node.startIndex, range: { start: node.startIndex, end: node.endIndex }, label: `${name}!` }];
  const points: AwaitPoint[] = [];
  const re = /\.\s*await\b/g;
  for (let m = re.exec(node.text); m; m = re.exec(node.text)) {
    const start = node.startIndex + m.index;
    points.push({ offset: start, range: { start, end: start + m[0].length }, label: `.await in ${name}!` });
  }
  return points;
}

export function awaitPoints(body: Node): AwaitPoint[] {
  const nodes = ownDescendants(body, (n) => n.type === 'await_expression' || n.type === 'macro_invocation').filter((n) => n.type === 'await_expression' || n.type === 'macro_invocation');
  const points: AwaitPoint[] = [];
  for (const n of nodes) {
    // Nested bodies are returned by ownDescendants when they match; they never match these types.
    if (n.type === 'await_expression') points.push(fromAwaitExpression(n));
    else points.push(...fromMacro(n));
  }
  return points.sort((a, b) => a.offset - b.offset);
}
