// A subcommand: `blindspot NAME ARGS...`. Add one by adding a module and an entry in run.ts.
import type { CliContext } from './context';

export interface Command {
  /** One line for `blindspot --help`. */
  summary: string;
  /** Printed for `blindspot NAME --help` (run.ts handles the flag for every command). */
  usage: string;
  run(argv: string[], ctx: CliContext): Promise<number>;
}
