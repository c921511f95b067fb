// `npm run fuzz`: the long fuzz run. Full-size generated inputs (10,000-deep nesting, 1 MB lines, a 50 MB
// file), then mutated real Rust (Debian's crate sources when installed, else the project's fixtures) until
// the time is up. Crashing inputs are saved to test/fixtures-fuzz/, where `npm test` replays them.
//   npm run fuzz -- --minutes 10 --seed 7
import * as path from 'path';
import { initParser } from '../../server/src/engine/parser';
import { generatedInputs, makeRandom, mutatedInputs } from './inputs';
import { makeFuzzEngine, runCase, saveRegression, type CaseOutcome } from './run';
import { corpusSources, projectSources } from './sources';
import { REGISTRY } from '../bench/corpus';

const REGRESSIONS = path.resolve(__dirname, '../../test/fixtures-fuzz');
/** Slower than this is reported (not a failure): the per-file bound is the parse timeout plus analysis. */
const SLOW_MS = 10_000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<number> {
  const minutes = option('minutes', 10);
  const seed = option('seed', Date.now() % 1_000_000);
  const deadline = Date.now() + minutes * 60_000;
  await initParser();
  const { engine, ruleErrors } = makeFuzzEngine();
  const rand = makeRandom(seed);
  const sources = [...projectSources(), ...corpusSources(REGISTRY, 3000)];
  console.log(`fuzz: seed ${seed}, ${minutes} min, ${sources.length} source files to mutate`);
  let cases = 0;
  let crashes = 0;
  let skipped = 0;
  const slow: CaseOutcome[] = [];
  const handle = (input: Parameters<typeof runCase>[2]) => {
    const outcome = runCase(engine, ruleErrors, input, seed + cases++);
    if (outcome.skipped) skipped++;
    if (outcome.ms > SLOW_MS) slow.push(outcome);
    if (!outcome.crash) return;
    crashes++;
    console.log(`CRASH ${outcome.name} (seed ${seed}): ${outcome.crash}\n  saved as ${saveRegression(REGRESSIONS, input)}`);
  };
  for (const input of generatedInputs(rand, 1)) handle(input);
  while (Date.now() < deadline) for (const input of mutatedInputs(rand, sources, 60)) handle(input);
  for (const s of slow) console.log(`slow: ${s.name} ${Math.round(s.ms)} ms${s.skipped ? ` (${s.skipped})` : ''}`);
  console.log(`fuzz: ${cases} inputs, ${crashes} crashes, ${skipped} skipped with a reason, ${slow.length} over ${SLOW_MS} ms`);
  return crashes ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(2);
});
