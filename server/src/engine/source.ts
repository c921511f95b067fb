// One parsed file with everything rules read from it.
import type { Tree, Node } from './parser';
import { LineIndex } from './text';
import type { CrateInfo } from './crate';
import type { FileFacts } from './resolve/facts';

export interface SourceFile {
  path: string;
  text: string;
  tree: Tree;
  root: Node;
  lines: LineIndex;
  crate: CrateInfo;
  facts: FileFacts;
}
