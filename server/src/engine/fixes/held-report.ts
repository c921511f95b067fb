// The message, notes and related information of a guard held across awaits (shared by the lock and RefCell rules).
import type { Report, RuleContext } from '../rule';
import type { HeldGuard } from '../held-across-await';
import { lineMark } from '../text';


export function guardName(held: HeldGuard): string {
  return held.life.bindings.length === 1 && held.life.kind === 'named' ? `\`${held.life.bindings[0].name}\`` : 'a temporary guard';
}

export function describeLifeEnd(ctx: RuleContext, held: HeldGuard): string {
  const { life } = held;
  if (life.movedAt) return `released by \`${life.movedAt.text.length > 40 ? 'a move' : life.movedAt.text}\` at line ${lineMark(life.movedAt.startIndex)}, after the await`;
  if (life.kind === 'temporary') return `a temporary lives until the end of its statement; a \`match\`/\`if let\`/\`while let\` scrutinee's temporaries live through the whole expression (edition ${ctx.file.crate.edition})`;
  return `released at the end of its block, line ${lineMark(life.end)}`;
}

export function heldReport(ctx: RuleContext, held: HeldGuard, what: string, fixes: Report['fixes']): Report {
  const { acq, crossed } = held;
  const where = crossed.map((c) => `line ${lineMark(c.offset)}`).join(', ');
  const name = guardName(held);
  const message = `${name} ${what} is held across ${crossed.length === 1 ? 'an `.await`' : `${crossed.length} \`.await\`s`} (${where})`;
  const certainty = acq.certain ? `\`${acq.receiver.text}\` is a \`${acq.lock.path}\`` : `the type of \`${acq.receiver.text}\` is not known; \`.${acq.method}()\` without \`.await\` is a blocking lock`;
  return {
    range: { start: acq.receiver.startIndex, end: acq.guard.endIndex },
    message,
    notes: [certainty, ...crossed.map((c) => `held across \`${c.label}\` at line ${lineMark(c.offset)}`), describeLifeEnd(ctx, held)],
    related: crossed.map((c) => ({ path: ctx.file.path, range: c.range, message: `${name} is still held at this await` })),
    fixes,
  };
}
