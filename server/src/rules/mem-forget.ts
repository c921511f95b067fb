// mem-forget: `std::mem::forget(x)` throws a value away without running its destructor.
import type { Node } from '../engine/parser';
import type { FunctionContext, Rule } from '../engine/rule';
import { callArgs, callPath, scopedUses } from '../engine/resolve/calls';
import { walk } from '../engine/syntax';

const FORGET = 'std::mem::forget';

/** Arguments whose forgetting frees nothing: Copy literals and references (rustc already warns about those). */
function forgetsNothing(arg: Node | undefined, fn: Node): boolean {
  if (!arg) return true;
  if (/^(integer|float|boolean|char|string)_literal$/.test(arg.type) || arg.type === 'reference_expression') return true;
  return arg.type === 'identifier' && referenceParams(fn).has(arg.text);
}

/** Names of `fn`'s parameters declared with a reference type (`x: &T`). */
function referenceParams(fn: Node): Set<string> {
  const names = new Set<string>();
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p?.type !== 'parameter' || p.childForFieldName('type')?.type !== 'reference_type') continue;
    const pattern = p.childForFieldName('pattern');
    if (pattern?.type === 'identifier') names.add(pattern.text);
  }
  return names;
}

/** Call expressions of `fn`'s own body, nested `fn` items excluded (they are analysed on their own). */
export function callsIn(fn: Node): Node[] {
  const calls: Node[] = [];
  walk(fn, (n) => {
    if (n !== fn && n.type === 'function_item') return false;
    if (n.type === 'call_expression') calls.push(n);
    return true;
  });
  return calls;
}

export const memForget: Rule = {
  id: 'mem-forget',
  severity: 'warning',
  clippyLints: ['mem_forget'],
  mentions: ['forget'],
  docs: {
    summary: '`std::mem::forget` leaks the value: its destructor never runs.',
    whatItDoes: 'Flags calls to `std::mem::forget`, however they are written: `std::mem::forget(x)`, `mem::forget(x)` after `use std::mem`, `forget(x)` after `use std::mem::forget` (or `core::mem`), including `use` items inside the function.',
    whyBad:
      'Forgetting a value skips its `Drop`: heap memory is never freed, files and sockets stay open, a `MutexGuard` keeps its lock held forever, a `JoinHandle` or channel end never signals. It is safe Rust, so reviews miss it, and a "temporary" `forget` in a hot path turns into slow resource exhaustion.',
    example: 'fn hand_off(buffer: Vec<u8>) {\n    send_pointer(buffer.as_ptr());\n    std::mem::forget(buffer); // never freed\n}',
    useInstead:
      'Let the value drop, or `drop(x)` it explicitly when it must go early. When ownership really moves elsewhere (FFI), say so in the type: `ManuallyDrop::new(x)` or `Box::into_raw` paired with a `Box::from_raw` on the way back, so the release path is visible. No automatic fix is offered: whether the value may be dropped here (or must outlive the call) is a decision only the author can make.',
    differences:
      'clippy::mem_forget fires only when the forgotten type has drop glue (it knows the types after a build); Blindspot works from syntax, flags every forget of a non-literal value, and skips literals and references (`forget(5)`, `forget(&x)`), which free nothing and which rustc already reports (`forgetting_copy_types`, `forgetting_references`). `#[allow(clippy::mem_forget)]` silences this rule too, and `// blindspot: allow(mem-forget)` silences only Blindspot (the one difference `scripts/compare-clippy-leaks.ts` shows on the fixtures).',
  },
  checkFunction(ctx: FunctionContext) {
    const uses = scopedUses(ctx.fn, ctx.file.facts.uses);
    for (const call of callsIn(ctx.fn)) {
      if (callPath(call, uses) !== FORGET) continue;
      const arg = callArgs(call)[0];
      if (forgetsNothing(arg, ctx.fn)) continue;
      ctx.report({
        range: { start: call.startIndex, end: call.endIndex },
        message: `\`mem::forget\` leaks \`${arg!.text.length > 40 ? 'this value' : arg!.text}\`: its destructor never runs, so its memory and resources are never released`,
        notes: ['Drop it (or `drop(x)` early); if ownership moves to foreign code, make that explicit with `ManuallyDrop` or `Box::into_raw`/`Box::from_raw`.'],
      });
    }
  },
};
