// Subcommand dispatch. `blindspot --explain X` and `blindspot --format json` (options first) mean `check`.
import { checkCommand } from './check';
import type { Command } from './command';
import { depsCommand } from './deps';
import { EXIT_CLEAN, EXIT_ERROR, UsageError, type CliContext } from './context';
import { explainCommand } from './explain';

export const commands: Record<string, Command> = {
  check: checkCommand,
  explain: explainCommand,
  deps: depsCommand,
};

function usage(ctx: CliContext): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const list = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`).join('\n');
  return `blindspot ${ctx.version}: finds the Rust bugs that compile cleanly

Usage: blindspot COMMAND [OPTIONS]
       blindspot --explain RULE

Commands:
${list}

Run 'blindspot COMMAND --help' for a command's options.
`;
}

export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      ctx.stderr(usage(ctx));
      return EXIT_ERROR;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      ctx.stdout(usage(ctx));
      return EXIT_CLEAN;
    }
    if (first === '--version' || first === '-V') {
      ctx.stdout(`blindspot ${ctx.version}\n`);
      return EXIT_CLEAN;
    }
    const command = Object.hasOwn(commands, first) ? commands[first] : first.startsWith('-') ? checkCommand : undefined;
    if (!command) throw new UsageError(`unknown command '${first}' (commands: ${Object.keys(commands).join(', ')})`);
    const args = command === commands[first] ? rest : argv;
    if (args.includes('--help') || args.includes('-h')) {
      ctx.stdout(command.usage);
      return EXIT_CLEAN;
    }
    return await command.run(args, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.stderr(`blindspot: error: ${error.message}\nRun 'blindspot --help' for usage.\n`);
    } else {
      ctx.stderr(`blindspot: error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    return EXIT_ERROR;
  }
}
