// One parsed file with everything rules read from it.
import type { Tree, Node } from './parser';
import { LineIndex } from './text';
import type { TextSource } from './piece-text';
import type { CrateInfo } from './crate';
import type { FileFacts } from './resolve/facts';

export interface SourceFile {
  path: string;
  /** A string, or an open document's PieceText: read it with slice/indexOf (String(text) joins a PieceText). */
  text: TextSource;
  tree: Tree;
  root: Node;
  lines: LineIndex;
  crate: CrateInfo;
  facts: FileFacts;
  /**
   * Set while typing in one function body of an open document: that function, parsed on its own after the edit (see
   * function-parse.ts). `tree` has the edit but has not been parsed again: inside the function its nodes are stale,
   * so whatever reads there goes through `rootAt`, `fileFunctionItems` or `walkFile`.
   */
  reparsed?: { fn: Node; impl: Node | null };
}

/**
 * Whether results computed from `fn` may be cached by its text: not when it was parsed alone and that parse found a
 * syntax error (the whole file's parse may recover from it differently, see function-parse.ts).
 */
export function cacheableFunction(file: SourceFile, fn: Node): boolean {
  return fn.tree === file.tree || !fn.hasError;
}

/** The root to read `offset` in: the re-parsed function's own tree inside it, the file's tree elsewhere. */
export function rootAt(file: SourceFile, offset: number): Node {
  const fn = file.reparsed?.fn;
  return fn && offset >= fn.startIndex && offset < fn.endIndex ? fn.tree.rootNode : file.root;
}
