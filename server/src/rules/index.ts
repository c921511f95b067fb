// The rule registry, sorted by id. Adding a rule: one module here, its docs inside it, one fixture folder.
import type { Rule } from '../engine/rule';
import { blockingInAsync } from './blocking-in-async';

export const rules: Rule[] = [blockingInAsync].sort((a: Rule, b: Rule) => a.id.localeCompare(b.id));

export function findRule(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}
