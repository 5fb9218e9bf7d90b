// Prints a file's fingerprint: the 64-bit FNV-1a hash of its bytes in 16 hex digits, the
// same the collector computes (crates/waymark-collector/src/http.rs) to tell a current
// `?v=` from a stale one.
//
//   node tools/fingerprint.mjs FILE
import { readFileSync } from 'node:fs';

const [path] = process.argv.slice(2);
if (!path) {
  console.error('usage: node tools/fingerprint.mjs FILE');
  process.exit(2);
}
const MASK = (1n << 64n) - 1n;
let hash = 0xcbf29ce484222325n;
for (const byte of readFileSync(path)) {
  hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & MASK;
}
console.log(hash.toString(16).padStart(16, '0'));
