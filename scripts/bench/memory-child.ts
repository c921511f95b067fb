// The memory run, in its own process and bundled like dist/server.js (see memorySection in main.ts): a fresh
// process that loads what the server loads, not the bench's TypeScript loader (~50 MB more RSS under tsx).
// argv: ROOT [--quick]. Prints one JSON line.
import * as path from 'path';
import { Engine } from '../../server/src/engine/analyze';
import { initParser } from '../../server/src/engine/parser';
import { scanFiles } from '../../server/src/engine/scan';
import { corpusFiles, REGISTRY } from './corpus';
import { editCloseReopen, sample, type MemorySample } from './memory';

async function main(): Promise<void> {
  const [root, ...rest] = process.argv.slice(2);
  const quick = rest.includes('--quick');
  await initParser();
  const files = corpusFiles().filter((f) => !quick || f.path.includes('/tokio-1'));
  const engine = new Engine();
  const before = sample();
  for await (const _ of scanFiles(files.map((f) => f.path), { engine, workerScript: path.join(root, 'dist/worker.js') })) {
    // results are not kept: a server publishes them and lets them go
  }
  const afterScan = sample();
  const cycles = quick ? 2000 : 10_000;
  // A 7 KB file with locks and awaits: the cycles look for leaks, the file's size only sets the pace.
  const file = files.find((f) => f.path.endsWith('/tokio-1.24.2/src/sync/barrier.rs'))?.path ?? files[0].path;
  const samples: { cycles: number; m: MemorySample }[] = [];
  editCloseReopen(engine, file, cycles, (done) => samples.push({ cycles: done, m: sample() }));
  process.stdout.write(JSON.stringify({ before, afterScan, samples, files: files.length, cycleFile: path.relative(REGISTRY, file) }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
