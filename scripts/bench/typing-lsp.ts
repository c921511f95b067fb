// Typing inside the real server process (dist/server.js over stdio, debounce 0): from sending
// textDocument/didChange to receiving publishDiagnostics for that version, for the same edits as the
// engine-level figure. Includes JSON-RPC, the server's bookkeeping and the Diagnostic conversion.
import { fileUri, LspClient, tempDir } from '../../test/harness/lsp-client';
import * as path from 'path';
import { summarize, type Summary } from './stats';
import { editSites, warmupSites } from './typing';

/**
 * Keystrokes this far apart (a fast typist's are 80–200 ms apart): the server settles each document when idle after
 * publishing (the whole-file parse the typing fast path put off), as it does between real keystrokes.
 */
export const KEYSTROKE_GAP_MS = 30;

export async function benchTypingInServer(text: string, edits = 200, seed = 8): Promise<Summary> {
  const client = await LspClient.start({ settings: { debounceMs: 0 } });
  const uri = fileUri(path.join(tempDir('blindspot-bench-'), 'typing.rs'));
  const times: number[] = [];
  try {
    let version = 1;
    await client.open(uri, text, version);
    await client.waitForDiagnostics(uri, () => true, version);
    const sites = editSites(text, edits / 2, seed);
    const warmup = warmupSites(text, sites, seed).map((s) => ({ s, timed: false }));
    for (const { s, timed } of [...warmup, ...sites.map((s) => ({ s, timed: true }))]) {
      for (const insert of [true, false]) {
        const range = { start: { line: s.row, character: s.column }, end: { line: s.row, character: s.column + (insert ? 0 : 1) } };
        const started = performance.now();
        await client.change(uri, ++version, [{ range, text: insert ? 'x' : '' }]);
        await client.waitForDiagnostics(uri, () => true, version);
        if (timed) times.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, KEYSTROKE_GAP_MS));
      }
    }
  } finally {
    await client.stop();
  }
  return summarize(times);
}
