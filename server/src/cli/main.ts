// The `blindspot` executable (bundled to dist/cli.js): run the CLI against the real process.
import { processContext } from './context';
import { runCli } from './run';

runCli(process.argv.slice(2), processContext()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`blindspot: error: ${String(error)}\n`);
    process.exitCode = 2;
  },
);
