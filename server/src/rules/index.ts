// The rule registry, sorted by id. Adding a rule: one module here, its docs inside it, one fixture folder.
import type { Rule } from '../engine/rule';
import { lockAcrossAwait } from './lock-across-await';
import { refcellAcrossAwait } from './refcell-across-await';
import { blockingInAsync } from './blocking-in-async';
import { detachedTask } from './detached-task';
import { doubleLock } from './double-lock';
import { lockOrder } from './lock-order';
import { unboundedChannel } from './unbounded-channel';
import { boxLeak } from './box-leak';
import { memForget } from './mem-forget';
import { rcCycle } from './rc-cycle';
import { unsafeWithoutSafetyComment } from './unsafe-without-safety-comment';

export const rules: Rule[] = [lockAcrossAwait, refcellAcrossAwait, blockingInAsync, detachedTask, doubleLock, lockOrder, unboundedChannel, boxLeak, memForget, rcCycle, unsafeWithoutSafetyComment].sort((a: Rule, b: Rule) => a.id.localeCompare(b.id));

export function findRule(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}
