// The VS Code side, kept thin: start the bundled server over IPC, show the finding count in the status
// bar, and show a rule's docs in a markdown preview. Everything else (diagnostics, fixes, hover, the
// workspace scan, the rescan command) is the server's.
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

const RESCAN_COMMAND = 'blindspot.rescanWorkspace';
const SHOW_RULE_DOCS_COMMAND = 'blindspot.showRuleDocs';

interface Status {
  findings: number;
  files: number;
  scanning: boolean;
}

interface RuleDocs {
  markdown?: string;
  rules: { id: string; summary: string }[];
}

let client: LanguageClient | undefined;

function serverOptions(context: vscode.ExtensionContext): ServerOptions {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  return {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
}

function statusText(status: Status): string {
  const icon = status.scanning ? '$(sync~spin)' : status.findings ? '$(warning)' : '$(check)';
  return `${icon} Blindspot ${status.findings}`;
}

function createStatusItem(): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('blindspot.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Blindspot';
  item.text = '$(sync~spin) Blindspot';
  item.tooltip = 'Blindspot: click to rescan the workspace';
  item.command = RESCAN_COMMAND;
  item.show();
  return item;
}

/** Asks the server for a rule's docs (a picker when no rule is given) and opens them as a markdown preview. */
async function showRuleDocs(languageClient: LanguageClient, ruleId: unknown): Promise<void> {
  let id = typeof ruleId === 'string' ? ruleId : undefined;
  if (!id) {
    const { rules } = await languageClient.sendRequest<RuleDocs>('blindspot/ruleDocs', {});
    const pick = await vscode.window.showQuickPick(rules.map((r) => ({ label: r.id, description: r.summary })), { placeHolder: 'Blindspot rule' });
    id = pick?.label;
  }
  if (!id) return;
  const { markdown } = await languageClient.sendRequest<RuleDocs>('blindspot/ruleDocs', { ruleId: id });
  if (!markdown) {
    void vscode.window.showWarningMessage(`Blindspot has no rule named ${id}.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const status = createStatusItem();
  const clientOptions: LanguageClientOptions = {
    // Rust in any scheme (files, untitled buffers, virtual workspaces); Cargo files only on disk.
    documentSelector: [{ language: 'rust' }, { scheme: 'file', pattern: '**/Cargo.{toml,lock}' }],
    markdown: { isTrusted: false },
    middleware: {
      // The code action "Show documentation for RULE" runs this command: show the docs in the editor
      // instead of letting the server open a browser.
      executeCommand: (command, args, next) => (command === SHOW_RULE_DOCS_COMMAND && client ? showRuleDocs(client, args[0]) : next(command, args)),
    },
  };
  client = new LanguageClient('blindspot', 'Blindspot', serverOptions(context), clientOptions);
  context.subscriptions.push(
    status,
    client.onNotification('blindspot/status', (s: Status) => {
      status.text = statusText(s);
      status.tooltip = `Blindspot: ${s.findings} finding(s) in ${s.files} file(s)${s.scanning ? ' (scanning…)' : ''}. Click to rescan the workspace.`;
    }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  await running?.stop();
}
