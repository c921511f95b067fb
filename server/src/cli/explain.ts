// `blindspot --explain RULE` (also `blindspot explain RULE`): the rule's docs as plain text.
import { ruleDocsText } from '../engine/docs';
import type { Command } from './command';
import { EXIT_CLEAN, EXIT_ERROR, ruleIds, UsageError, type CliContext } from './context';

export function explainRule(id: string, ctx: CliContext): number {
  const rule = ctx.rules.find((r) => r.id === id);
  if (!rule) {
    ctx.stderr(`blindspot: error: unknown rule '${id}'\nKnown rules: ${ruleIds(ctx)}\n`);
    return EXIT_ERROR;
  }
  ctx.stdout(ruleDocsText(rule));
  return EXIT_CLEAN;
}

export const explainCommand: Command = {
  summary: 'print a rule\'s documentation',
  usage: 'blindspot explain RULE',
  async run(argv: string[], ctx: CliContext): Promise<number> {
    if (argv.length !== 1 || argv[0].startsWith('-')) throw new UsageError('explain takes exactly one rule id');
    return explainRule(argv[0], ctx);
  },
};
