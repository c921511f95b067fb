// Side by side with clippy for the async rules that have a counterpart, on their std-only fixtures:
//   double-lock        ~ clippy::significant_drop_in_scrutinee (nursery: any scrutinee temporary with a significant drop)
//   blocking-in-async  ~ clippy::disallowed_methods configured with the same blocking calls (clippy cannot
//                        restrict it to async code, so it also fires in sync helpers, tests and threads)
// Trait methods (Read::read_to_string, Write::write_all) are left out of the config: clippy would flag them on
// in-memory readers too. detached-task, unbounded-channel and lock-order have no clippy counterpart.
//   node --import tsx scripts/compare-clippy-async.ts
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compare } from './compare-clippy';

/** The blocking calls blocking-in-async knows as free functions, as clippy's disallowed-methods config. */
const DISALLOWED = [
  'std::thread::sleep', 'std::fs::read', 'std::fs::read_to_string', 'std::fs::write', 'std::fs::create_dir_all', 'std::fs::remove_file',
  'std::fs::metadata', 'std::fs::File::open', 'std::fs::File::create', 'std::net::TcpStream::connect', 'std::net::TcpListener::accept',
  'std::io::Stdin::read_line', 'std::sync::mpsc::Receiver::recv', 'std::sync::Condvar::wait', 'std::thread::JoinHandle::join',
  'std::fs::OpenOptions::open',
];

async function main() {
  const confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-clippy-conf-'));
  const entries = DISALLOWED.map((p) => `  { path = "${p}", reason = "blocking" },`).join('\n');
  fs.writeFileSync(path.join(confDir, 'clippy.toml'), `disallowed-methods = [\n${entries}\n]\n`);
  process.env.CLIPPY_CONF_DIR = confDir;
  try {
    const result = await compare(['double-lock=significant_drop_in_scrutinee', 'blocking-in-async=disallowed_methods']);
    if (!result) {
      console.log('clippy-driver is not installed: nothing to compare');
      return;
    }
    for (const d of result.differences) console.log(`${d.side.padEnd(14)} ${d.file}:${d.line} fn ${d.fn}: ${d.text}`);
    console.log(`\n${result.agree} functions flagged by both, ${result.differences.length} differences`);
  } finally {
    fs.rmSync(confDir, { recursive: true, force: true });
  }
}

main();
