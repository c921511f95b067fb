import type { Rule } from '../engine/rule';
import { analyseFunction } from '../engine/held-across-await';
import { bindScrutineeFix, dropBeforeAwaitFix } from '../engine/fixes/end-guard';
import { switchToTokioFix } from '../engine/fixes/switch-to-tokio';
import { heldReport } from '../engine/fixes/held-report';

function guardKind(path: string, shape: string): string {
  if (shape === 'map') return '(a `DashMap` shard lock)';
  return path === 'unknown' ? 'of a blocking lock' : `(a \`${path}\` guard)`;
}

export const lockAcrossAwait: Rule = {
  id: 'lock-across-await',
  severity: 'warning',
  clippyLints: ['await_holding_lock'],
  docs: {
    summary: 'A blocking lock guard (std::sync, parking_lot, spin, dashmap) is held across an `.await`.',
    whatItDoes:
      'Finds guards of blocking locks (`std::sync::Mutex`/`RwLock`, `parking_lot` locks including `ReentrantMutex`, `spin`, `DashMap` entries) that are still alive at an `.await` in an async fn, async block or async closure. Lifetimes follow Rust\'s drop rules: `let` guards live to the end of their block unless moved out (`drop(g)`), temporaries to the end of their statement, and `match`/`if let`/`while let` scrutinee temporaries through the whole expression (edition-aware).',
    whyBad:
      'While the task is suspended it still holds the lock. Any other task that tries to take it blocks its executor thread: on a multi-threaded runtime throughput collapses, on a current-thread runtime (or once all workers are blocked) the program deadlocks. The future is also `!Send` for std guards, so it cannot be spawned on a multi-threaded runtime.',
    example: 'async fn handle_data(state: Arc<Mutex<State>>) {\n    let guard = state.lock().unwrap();\n    process_async().await; // other tasks needing `state` block here\n    drop(guard);\n}',
    useInstead:
      'End the guard before the await (a block around the guard and its uses, copying the needed value out, or `drop(guard)` before the `.await`). Tokio recommends a std mutex for plain data as long as it is never held across an await. When the lock must be held across the await, use `tokio::sync::Mutex` (`.lock().await`).\n\nasync fn handle_data(state: Arc<Mutex<State>>) {\n    let snapshot = state.lock().unwrap().clone();\n    process_async(snapshot).await;\n}',
    differences:
      'clippy\'s `await_holding_lock` needs a full build and runs on save only. Blindspot works on unsaved buffers in milliseconds. clippy has historically flagged guards released with `drop(guard)` before the await (rust-clippy issue #6446, open since 2020); Blindspot follows the drop and stays silent. When a receiver\'s type cannot be resolved from syntax, Blindspot judges by call shape (`.lock()` not followed by `.await` is a blocking lock) and says so in the hover; clippy knows every type and so also sees guards returned from helper functions, which Blindspot does not follow.',
  },
  // Without an await there is nothing to hold a guard across.
  mentions: ['.await', 'select!', 'join!'],
  checkFunction(ctx) {
    const analysis = analyseFunction(ctx);
    for (const held of analysis.held('blocking')) {
      const fixes = [dropBeforeAwaitFix(ctx, held, analysis.env), bindScrutineeFix(ctx, held, analysis.env), switchToTokioFix(ctx, held.acq)].filter((f) => f !== undefined);
      ctx.report(heldReport(ctx, held, guardKind(held.acq.lock.path, held.acq.lock.shape), fixes));
    }
  },
};
