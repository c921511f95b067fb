// The language server's entry: `node dist/server.js --stdio` (or --node-ipc, or --socket=PORT);
// createConnection picks the transport from the command line.
import { createRequire } from 'module';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import type { Rule } from '../engine/rule';
import { rules } from '../rules';
import { BlindspotServer } from './server';

/**
 * Test hook: BLINDSPOT_TEST_RULES names a CommonJS module exporting `rules: Rule[]` that are added to
 * the registered ones, so the LSP tests can drive rules that flag, fix or throw on demand.
 */
function testRules(): Rule[] {
  const modulePath = process.env.BLINDSPOT_TEST_RULES;
  if (!modulePath) return [];
  const loaded = createRequire(__filename)(modulePath) as { rules?: Rule[] };
  return loaded.rules ?? [];
}

const connection = createConnection(ProposedFeatures.all);
new BlindspotServer(connection, [...rules, ...testRules()]).listen();
