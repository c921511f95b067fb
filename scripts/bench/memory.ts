// Memory as a long-running server sees it: the process after a workspace scan of the corpus (facts of every
// file kept), then after 10,000 open / edit / analyse / close cycles of one file. RSS is the whole process;
// "external" is V8's count of memory outside the JS heap, which holds web-tree-sitter's WASM memory (and
// never shrinks: it is the high-water mark of live trees).
import * as fs from 'fs';
import type { Engine } from '../../server/src/engine/analyze';
import { crateInfoFor } from '../../server/src/engine/crate';

export interface MemorySample {
  rssMB: number;
  heapMB: number;
  externalMB: number;
}

declare const gc: (() => void) | undefined;

export function sample(): MemorySample {
  if (typeof gc === 'function') {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rssMB: m.rss / 1e6, heapMB: m.heapUsed / 1e6, externalMB: m.external / 1e6 };
}

/** Open, type a character, analyse, close: `cycles` times on the same path (the server's reopen pattern). */
export function editCloseReopen(engine: Engine, file: string, cycles: number, onSample: (done: number) => void, every = 1000): void {
  const text = fs.readFileSync(file, 'utf8');
  const crate = crateInfoFor(file);
  // Typing at the end of the file: no stored offset moves, so the cycles measure what stays behind, not
  // the workspace rules' recomputation (a shifted offset re-runs rc-cycle's type graph over the corpus).
  const at = text.length;
  for (let i = 1; i <= cycles; i++) {
    const doc = engine.openDocument(file, text, crate);
    try {
      doc.analyze();
      doc.applyChanges([{ start: at, end: at, text: i % 2 ? '\n' : ' ' }]);
      doc.analyze();
    } finally {
      doc.dispose();
    }
    if (i % every === 0) onSample(i);
  }
}
