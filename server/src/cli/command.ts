// A subcommand: `blindspot NAME ARGS...`. Add one by adding a module and an entry in run.ts.
import type { CliContext } from './context';

export interface Command {
  /** One line for `blindspot --help`. */
  summary: string;
  usage: string;
  run(argv: string[], ctx: CliContext): Promise<number>;
}
