// What the client can do (read once from initialize) and what the server offers in return.
import { CodeActionKind, TextDocumentSyncKind, type ClientCapabilities, type InitializeParams, type ServerCapabilities } from 'vscode-languageserver';
import { FIX_ALL_KIND, SHOW_RULE_DOCS_COMMAND } from './code-actions';
import { isDiskPath, uriToPath } from './uri';

export const RESCAN_COMMAND = 'blindspot.rescanWorkspace';
export const RULE_DOCS_REQUEST = 'blindspot/ruleDocs';
export const STATUS_NOTIFICATION = 'blindspot/status';

export interface ClientSupport {
  configuration: boolean;
  pullDiagnostics: boolean;
  diagnosticRefresh: boolean;
  documentChanges: boolean;
  dynamicWatchers: boolean;
  dynamicConfiguration: boolean;
  showDocument: boolean;
  workspaceFolders: boolean;
  inlayHintRefresh: boolean;
}

export function clientSupport(c: ClientCapabilities): ClientSupport {
  return {
    configuration: !!c.workspace?.configuration,
    pullDiagnostics: !!c.textDocument?.diagnostic,
    diagnosticRefresh: !!c.workspace?.diagnostics?.refreshSupport,
    documentChanges: !!c.workspace?.workspaceEdit?.documentChanges,
    dynamicWatchers: !!c.workspace?.didChangeWatchedFiles?.dynamicRegistration,
    dynamicConfiguration: !!c.workspace?.didChangeConfiguration?.dynamicRegistration,
    showDocument: !!c.window?.showDocument?.support,
    workspaceFolders: !!c.workspace?.workspaceFolders,
    inlayHintRefresh: !!c.workspace?.inlayHint?.refreshSupport,
  };
}

/** Pull diagnostics are offered only to clients that ask for them; the others get pushes. */
export function serverCapabilities(support: ClientSupport): ServerCapabilities {
  return {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
    hoverProvider: true,
    inlayHintProvider: true,
    executeCommandProvider: { commands: [RESCAN_COMMAND, SHOW_RULE_DOCS_COMMAND] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    ...(support.pullDiagnostics ? { diagnosticProvider: { identifier: 'blindspot', interFileDependencies: true, workspaceDiagnostics: false } } : {}),
  };
}

/** Workspace folders on disk (virtual folders can't be scanned). */
export function workspaceFolderPaths(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.map(uriToPath).filter(isDiskPath);
}
