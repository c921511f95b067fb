// box-leak: `Box::leak`, `Vec::leak`, `String::leak` turn an owned value into a `'static` borrow that is never freed;
// `Box::into_raw` whose pointer never comes back through `Box::from_raw` in the same function is a likely leak.
import type { Node } from '../engine/parser';
import type { FunctionContext, Rule } from '../engine/rule';
import { callArgs, callPath, methodCall, scopedUses } from '../engine/resolve/calls';
import type { UseMap } from '../engine/resolve/paths';
import { callsIn } from './mem-forget';

const LEAKS: Record<string, string> = {
  'std::boxed::Box::leak': 'Box::leak',
  'std::vec::Vec::leak': 'Vec::leak',
  'std::string::String::leak': 'String::leak',
};
const INTO_RAW = 'std::boxed::Box::into_raw';
const FROM_RAW = 'std::boxed::Box::from_raw';

/** `x.leak()` where x is syntactically a `Vec` or `String`: `vec![..]`, `Vec::new()`, `String::from(..)`, `format!(..)`, `s.to_string()`. */
function obviousOwnerOf(receiver: Node, uses: UseMap): string | undefined {
  if (receiver.type === 'macro_invocation') {
    const name = receiver.childForFieldName('macro')?.text;
    return name === 'vec' ? 'Vec::leak' : name === 'format' ? 'String::leak' : undefined;
  }
  const m = methodCall(receiver);
  if (m && ['to_string', 'to_owned'].includes(m.name) && m.receiver.type === 'string_literal') return 'String::leak';
  if (m && m.name === 'to_vec') return 'Vec::leak';
  const path = fullCallPath(receiver, uses);
  if (path?.startsWith('std::vec::Vec::')) return 'Vec::leak';
  if (path?.startsWith('std::string::String::')) return 'String::leak';
  return undefined;
}

/** `callPath` with prelude types as a path's head (`Box::leak` -> `std::boxed::Box::leak`). */
function fullCallPath(call: Node, uses: UseMap): string | undefined {
  const path = callPath(call, uses);
  const head = path && /^(Box|Vec|String)::/.exec(path)?.[1];
  return head ? `${PRELUDE_TYPES[head]}${path!.slice(head.length)}` : path;
}

const PRELUDE_TYPES: Record<string, string> = { Box: 'std::boxed::Box', Vec: 'std::vec::Vec', String: 'std::string::String' };

function leakKind(call: Node, uses: UseMap): string | undefined {
  const path = fullCallPath(call, uses);
  if (path) return LEAKS[path];
  const m = methodCall(call);
  return m && m.name === 'leak' && m.args.length === 0 ? obviousOwnerOf(m.receiver, uses) : undefined;
}

/** The name `let p = Box::into_raw(..)` binds, if the call is a let's whole initializer. */
function boundName(call: Node): string | undefined {
  let value = call;
  while (value.parent?.type === 'parenthesized_expression') value = value.parent;
  const decl = value.parent;
  if (decl?.type !== 'let_declaration' || decl.childForFieldName('value')?.id !== value.id) return undefined;
  const pattern = decl.childForFieldName('pattern');
  const ident = pattern?.type === 'mut_pattern' ? pattern.namedChildren[0] : pattern;
  return ident?.type === 'identifier' ? ident.text : undefined;
}

/** True when some `Box::from_raw(..)` in the function takes this pointer back (by name, or the call itself nested). */
function reclaimed(call: Node, fromRawCalls: Node[]): boolean {
  const name = boundName(call);
  const mentions = (arg: Node) => (name ? new RegExp(`\\b${name}\\b`).test(arg.text) : false);
  return fromRawCalls.some((fr) => callArgs(fr).some((a) => mentions(a) || (a.startIndex <= call.startIndex && call.endIndex <= a.endIndex)));
}

/** One-time initialisers: a closure passed to these runs at most once, so a leak inside it is bounded. */
const ONCE_METHODS = new Set(['get_or_init', 'get_or_try_init', 'call_once', 'call_once_force']);
const ONCE_CONSTRUCTORS = /(^|::)(LazyLock|LazyCell|Lazy)::new$/;

/** The leak sits in a closure handed to `OnceLock::get_or_init`, `Once::call_once`, `LazyLock::new` and the like. */
function runsOnce(call: Node, fn: Node, uses: UseMap): boolean {
  let steps = 0;
  for (let p = call.parent; p && p.id !== fn.id && steps < 24; p = p.parent, steps++) {
    if (p.type !== 'closure_expression') continue;
    const holder = p.parent?.type === 'arguments' ? p.parent.parent : null;
    if (!holder || holder.type !== 'call_expression') return false;
    const m = methodCall(holder);
    if (m) return ONCE_METHODS.has(m.name);
    return ONCE_CONSTRUCTORS.test(callPath(holder, uses) ?? '');
  }
  return false;
}

export const boxLeak: Rule = {
  id: 'box-leak',
  severity: 'warning',
  mentions: ['leak', 'into_raw'],
  docs: {
    summary: '`Box::leak`/`Vec::leak`/`String::leak` never free; `Box::into_raw` without `Box::from_raw` likely leaks.',
    whatItDoes:
      'Flags `Box::leak(b)`, `Vec::leak(v)`, `String::leak(s)` (also as `v.leak()` when the receiver is obviously a `Vec` or `String`: `vec![..]`, `Vec::new()`, `format!(..)`, `"..".to_string()`), as warnings; and, as a hint, `Box::into_raw(b)` in a function where the pointer never reaches `Box::from_raw`.',
    whyBad:
      'A leaked allocation lives until the process exits. Leaking once at start-up is a legitimate way to get a `&\'static`; leaking in a request handler or a loop grows memory without bound and nothing in safe Rust warns. A raw pointer from `Box::into_raw` is only freed by `Box::from_raw`; if no code path hands it back, the box leaks (or is freed by foreign code, which deserves a comment).',
    example: 'fn handle(req: Request) -> &\'static str {\n    let body = format!("{req:?}");\n    body.leak() // one leaked String per request\n}',
    useInstead:
      'Return an owned value (`String`, `Box<T>`, `Arc<T>`), or keep the value in a long-lived owner (`OnceLock`, a struct field). For one-time global initialisation, `static X: OnceLock<T>` gives `&\'static T` without a leak. Pair every `Box::into_raw` with a `Box::from_raw` on the release path. No automatic fix: the right owner depends on the program.',
    differences:
      'Leaks in `fn main` and in one-time initialisers (a closure given to `OnceLock::get_or_init`, `Once::call_once`, `LazyLock::new`) run once and are not reported. clippy has no lint for `Box::leak`/`Vec::leak`/`String::leak` or unmatched `Box::into_raw`. Blindspot looks for `Box::from_raw` only in the same function (a pointer handed to the caller or to FFI is reported as a hint, not a warning). `ManuallyDrop::new` states its intent explicitly and is not flagged.',
  },
  checkFunction(ctx: FunctionContext) {
    // `fn main` runs once: leaking there is the idiomatic way to a `&'static` (config, a logger).
    if (!ctx.impl && ctx.fn.childForFieldName('name')?.text === 'main') return;
    const uses = scopedUses(ctx.fn, ctx.file.facts.uses);
    const calls = callsIn(ctx.fn);
    const fromRaw = calls.filter((c) => fullCallPath(c, uses) === FROM_RAW);
    for (const call of calls) {
      const kind = leakKind(call, uses);
      if (kind && runsOnce(call, ctx.fn, uses)) continue;
      if (kind) {
        ctx.report({
          range: { start: call.startIndex, end: call.endIndex },
          message: `\`${kind}\` leaks this allocation: it is never freed (fine once at start-up, a leak anywhere it runs repeatedly)`,
          notes: ['Keep an owner instead (`OnceLock`, a field, an `Arc`), or return the owned value.'],
        });
      } else if (fullCallPath(call, uses) === INTO_RAW && !reclaimed(call, fromRaw)) {
        ctx.report({
          range: { start: call.startIndex, end: call.endIndex },
          severity: 'hint',
          message: '`Box::into_raw` pointer never reaches `Box::from_raw` in this function: make sure some code path frees it',
          notes: ['Only `Box::from_raw` (or foreign code that owns the allocation) frees it.'],
        });
      }
    }
  },
};
