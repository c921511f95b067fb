// The engine speaks file-system paths; LSP speaks URIs. Untitled buffers keep their URI as their "path".
import { fileURLToPath, pathToFileURL } from 'url';
import * as path from 'path';

export function isFileUri(uri: string): boolean {
  return uri.startsWith('file:');
}

/** The engine's path for a URI: the file-system path for `file:` URIs, the URI itself otherwise. */
export function uriToPath(uri: string): string {
  if (!isFileUri(uri)) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

/** The URI for an engine path (the inverse of uriToPath). */
export function pathToUri(filePath: string): string {
  return path.isAbsolute(filePath) ? pathToFileURL(filePath).href : filePath;
}

/** True for paths that name a file on disk (not an untitled buffer). */
export function isDiskPath(filePath: string): boolean {
  return path.isAbsolute(filePath);
}
