import type { Rule } from '../engine/rule';
import { analyseFunction } from '../engine/held-across-await';
import { bindScrutineeFix, dropBeforeAwaitFix } from '../engine/fixes/end-guard';
import { heldReport } from '../engine/fixes/held-report';

export const refcellAcrossAwait: Rule = {
  id: 'refcell-across-await',
  severity: 'warning',
  clippyLints: ['await_holding_refcell_ref'],
  docs: {
    summary: 'A `RefCell` borrow (`Ref`/`RefMut`) is held across an `.await`.',
    whatItDoes: 'Finds `borrow()`/`borrow_mut()` results of a `RefCell` (directly or through `Rc`) that are still alive at an `.await` in async code, following the same drop rules as `lock-across-await`.',
    whyBad:
      'Another task running on the same thread while this one is suspended may borrow the same cell: `borrow_mut()` then panics with `already borrowed` at run time, a failure that depends on scheduling and shows up only under load.',
    example: 'async fn bump(counter: Rc<RefCell<u64>>) {\n    let mut n = counter.borrow_mut();\n    tick().await; // another task calling counter.borrow() panics\n    *n += 1;\n}',
    useInstead: 'Keep borrows short: read or update the value before or after the await, not across it.\n\nasync fn bump(counter: Rc<RefCell<u64>>) {\n    tick().await;\n    *counter.borrow_mut() += 1;\n}',
    differences: 'clippy\'s `await_holding_refcell_ref` needs a build and has the same `drop(ref)` false positive as its lock lint; Blindspot follows the drop. Blindspot only flags cells whose type it resolves to `RefCell` (no call-shape guess: `.borrow()` is also the `Borrow` trait).',
  },
  // Without an await there is nothing to hold a guard across.
  mentions: ['.await', 'select!', 'join!'],
  checkFunction(ctx) {
    const analysis = analyseFunction(ctx);
    for (const held of analysis.held('refcell')) {
      const fixes = [dropBeforeAwaitFix(ctx, held, analysis.env), bindScrutineeFix(ctx, held, analysis.env)].filter((f) => f !== undefined);
      ctx.report(heldReport(ctx, held, `(a \`RefCell\` ${held.acq.method.includes('mut') ? 'mutable ' : ''}borrow)`, fixes));
    }
  },
};
