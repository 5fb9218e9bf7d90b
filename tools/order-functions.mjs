// Orders the wasm's functions so that gzip finds more of each in the ones before it.
//
//   node tools/order-functions.mjs WASM
//
// gzip (and every DEFLATE server) looks back 32 KiB for repeats. The linker lays functions
// out in its own order, so a function's closest relatives are often far behind it. This
// pass chains them greedily instead: after each function comes the one that compresses best
// given the last 32 KiB laid out (measured with that window as a preset DEFLATE dictionary,
// among the candidates sharing the most 4-byte sequences with it). The module is otherwise
// untouched: binaryen refers to functions by name, so re-adding them in a new order renumbers
// every call, export and table entry with them. It needs the `target_features` section (run
// it before tools/shorten-names.mjs, which drops it). The file is rewritten in place.
import binaryen from 'binaryen';
import { readFileSync, writeFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { codeBodies, definedFunctions } from './wasm-code.mjs';

const [wasmPath] = process.argv.slice(2);
if (!wasmPath) {
  console.error('usage: node tools/order-functions.mjs WASM');
  process.exit(2);
}
const fail = (msg) => {
  console.error(`order-functions: ${msg}`);
  process.exit(1);
};

/** DEFLATE's look-back window. */
const WINDOW = 32 * 1024;
/** Candidates measured exactly at each step (the rest are ranked by shared 4-grams only). */
const SHORTLIST = 32;

const bytes = readFileSync(wasmPath);
const code = codeBodies(bytes) ?? fail(`${wasmPath} has no code section`);
const module = binaryen.readBinary(bytes);
if (!(module.getFeatures() & binaryen.Features.ReferenceTypes)) {
  fail(`${wasmPath} has no target_features section: run this before shorten-names`);
}
const defined = definedFunctions(module);
if (defined.length !== code.length) fail(`binaryen sees ${defined.length} functions, the file ${code.length}`);

const grams = code.map((b) => {
  const set = new Set();
  for (let i = 0; i + 4 <= b.length; i++) set.add(b.readUInt32LE(i));
  return set;
});
const alone = code.map((b) => zlib.deflateRawSync(b, { level: 9 }).length);

// The window: the functions laid out last, at most WINDOW bytes, and how often each 4-gram
// occurs in it.
const window = [];
let windowBytes = 0;
const inWindow = new Map();
const enter = (i) => {
  window.push(i);
  windowBytes += code[i].length;
  for (const g of grams[i]) inWindow.set(g, (inWindow.get(g) || 0) + 1);
  while (windowBytes > WINDOW && window.length > 1) {
    const out = window.shift();
    windowBytes -= code[out].length;
    for (const g of grams[out]) {
      const n = inWindow.get(g) - 1;
      if (n) inWindow.set(g, n);
      else inWindow.delete(g);
    }
  }
};
const shared = (i) => {
  let n = 0;
  for (const g of grams[i]) if (inWindow.has(g)) n++;
  return grams[i].size ? n / grams[i].size : 1;
};

// The first function stays first; then, each time, the best continuation.
const left = new Set(code.keys());
const order = [];
for (let next = 0; next !== undefined; ) {
  left.delete(next);
  order.push(next);
  enter(next);
  const dictionary = Buffer.concat(window.map((i) => code[i])).subarray(-WINDOW);
  const shortlist = [...left].map((i) => [shared(i), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let best = -Infinity;
  next = undefined;
  for (const [, i] of shortlist.slice(0, SHORTLIST)) {
    const saved = alone[i] - zlib.deflateRawSync(code[i], { level: 9, dictionary }).length;
    if (saved > best) [best, next] = [saved, i];
  }
}

// Expressions live in the module's arena, so a removed function's body can be re-added.
for (const i of order) {
  const { name, params, results, vars, body } = defined[i];
  module.removeFunction(name);
  module.addFunction(name, params, results, vars, body);
}
if (!module.validate()) fail('the reordered module does not validate');
writeFileSync(wasmPath, module.emitBinary());
