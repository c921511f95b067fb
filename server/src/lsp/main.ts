// The language server's entry: `node dist/server.js --stdio` (or --node-ipc, or --socket=PORT, where the
// server connects to a client listening on 127.0.0.1:PORT); createConnection picks the transport.
import { createRequire } from 'module';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import type { Rule } from '../engine/rule';
import { rules } from '../rules';
import { BlindspotServer } from './server';

const USAGE = `Blindspot language server
usage: node server.js --stdio | --node-ipc | --socket=PORT | --pipe=NAME
Editors start it themselves; see docs/editors.md.`;

const TRANSPORTS = /^--(stdio|node-ipc|socket|pipe)(=|$)/;

/**
 * Test hook: BLINDSPOT_TEST_RULES names a CommonJS module exporting `rules: Rule[]` that are added to
 * the registered ones, so the LSP tests can drive rules that flag, fix or throw on demand. They apply to
 * open documents and single-file re-checks; the workspace scan's worker threads run the registry only.
 */
function testRules(): Rule[] {
  const modulePath = process.env.BLINDSPOT_TEST_RULES;
  if (!modulePath) return [];
  const loaded = createRequire(__filename)(modulePath) as { rules?: Rule[] };
  return loaded.rules ?? [];
}

const args = process.argv.slice(2);
if (args.includes('--help') || !args.some((a) => TRANSPORTS.test(a))) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(args.includes('--help') ? 0 : 2);
}
const connection = createConnection(ProposedFeatures.all);
// Last line of defence: whatever escapes is logged, and the editor keeps its diagnostics and its server.
const report = (error: unknown) => connection.console.error(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
process.on('uncaughtException', report);
process.on('unhandledRejection', report);
new BlindspotServer(connection, [...rules, ...testRules()]).listen();
