// The `blindspot` executable (bundled to dist/cli.js): run the CLI against the real process.
import { processContext } from './context';
import { runCli } from './run';

// `blindspot check | head`: a closed pipe ends the run quietly instead of with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

runCli(process.argv.slice(2), processContext()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`blindspot: error: ${String(error)}\n`);
    process.exitCode = 2;
  },
);
