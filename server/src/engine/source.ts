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
}
