// What a CLI run talks to: the process (or a test's stand-ins) and the rules it knows.
import type { Rule } from '../engine/rule';
import { rules as registeredRules } from '../rules';
import pkg from '../../../package.json';

export interface CliContext {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Colors only on a terminal. */
  stdoutIsTTY: boolean;
  rules: Rule[];
  version: string;
}

/** A usage mistake: printed with a hint, exit code 2. */
export class UsageError extends Error {}

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

export function processContext(): CliContext {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: !!process.stdout.isTTY,
    rules: registeredRules,
    version: pkg.version,
  };
}

export function colorsWanted(ctx: CliContext): boolean {
  return ctx.stdoutIsTTY && !ctx.env.NO_COLOR;
}

export function ruleIds(ctx: CliContext): string {
  return ctx.rules.length ? ctx.rules.map((r) => r.id).join(', ') : '(no rules are registered)';
}
