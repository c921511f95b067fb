// The three transports an editor may use: stdio (the other LSP tests), Node IPC (VS Code), and a socket
// the server connects to. Each one carries a real session: initialize, a finding, shutdown, exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'child_process';
import * as net from 'net';
import {
  createProtocolConnection,
  IPCMessageReader,
  IPCMessageWriter,
  SocketMessageReader,
  SocketMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { SEED_EXAMPLE, SERVER } from './harness/lsp-client';

/** initialize → didOpen → a lock-across-await diagnostic → shutdown → exit. */
async function session(conn: ProtocolConnection): Promise<PublishDiagnosticsParams> {
  const published = new Promise<PublishDiagnosticsParams>((resolve) => {
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      if (p.diagnostics.length) resolve(p);
    });
  });
  conn.listen();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: 'untitled:t', languageId: 'rust', version: 1, text: SEED_EXAMPLE } });
  const result = await published;
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  return result;
}

test('Node IPC transport (what the VS Code client uses)', async () => {
  const child = fork(SERVER, ['--node-ipc'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const p = await session(conn);
  assert.equal(p.diagnostics[0].code, 'lock-across-await');
  assert.equal(await exited, 0);
  conn.dispose();
});

test('socket transport: the server connects to the port the client listens on', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const child = fork(SERVER, [`--socket=${port}`], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const socket = await accepted;
  const conn = createProtocolConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  const p = await session(conn);
  assert.equal(p.diagnostics[0].code, 'lock-across-await');
  assert.equal(await exited, 0);
  conn.dispose();
  socket.destroy();
  server.close();
});

test('no transport given: a usage message and exit code 2, not a stack trace', () => {
  const run = spawnSync(process.execPath, [SERVER], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /usage: node server\.js --stdio/);
  assert.doesNotMatch(run.stderr, /at .*\(/);
});
