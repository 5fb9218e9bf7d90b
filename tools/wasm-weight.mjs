// Where the gzip weight of the agent's wasm lies, by crate and module, then function by
// function.
//
//   ./dev weight                      builds a wasm with names and prints the tables
//   node tools/wasm-weight.mjs WASM [TOP]
//
// A function's weight is what it adds to the compressed file: its DEFLATE size with the
// 32 KiB before it as the dictionary, in the file's order. Raw sizes (twiggy's) mislead
// about gzip: merging functions made the file smaller and its gzip larger, and two copies
// of the same code cost little more than one. WASM needs its name section (`wasm-opt -g`).
import binaryen from 'binaryen';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { codeBodies, definedFunctions, section } from './wasm-code.mjs';

const [wasmPath, top = '40'] = process.argv.slice(2);
if (!wasmPath) {
  console.error('usage: node tools/wasm-weight.mjs WASM [TOP]');
  process.exit(2);
}
const fail = (msg) => {
  console.error(`wasm-weight: ${msg}`);
  process.exit(1);
};

/** DEFLATE's look-back window. */
const WINDOW = 32 * 1024;

const bytes = readFileSync(wasmPath);
const code = codeBodies(bytes) ?? fail(`${wasmPath} has no code section`);
const defined = definedFunctions(binaryen.readBinary(bytes));
if (defined.length !== code.length) fail(`binaryen sees ${defined.length} functions, the file ${code.length}`);
if (defined.every((f) => /^\d+$/.test(f.name))) fail(`${wasmPath} has no function names: build it with wasm-opt -g`);

/** The group a function's weight counts under. */
function group(name) {
  const ours = /^<?(waymark_core|waymark_agent)::([a-z_]+)/.exec(name);
  if (ours) return `${ours[1]}::${ours[2]}`;
  if (name.includes('waymark_')) return 'std generics for our types';
  // Generic std code is named without its type arguments: most of it is ours, instantiated.
  if (/^<?(core|alloc|std)\b/.test(name)) return 'std (with Vec, iterators, closures of our types)';
  if (/wasm_bindgen|js_sys|web_sys/.test(name)) return 'wasm-bindgen, js-sys, web-sys';
  const crate = /^<?([a-z_][a-z0-9_]*)::/.exec(name);
  return crate ? crate[1] : 'other (imports glue, shims)';
}

const rows = [];
let before = Buffer.alloc(0);
for (let i = 0; i < code.length; i++) {
  const dictionary = before.subarray(-WINDOW);
  const cost = zlib.deflateRawSync(code[i], { level: 9, ...(dictionary.length ? { dictionary } : {}) }).length;
  rows.push({ name: defined[i].name.replace(/::h[0-9a-f]{16}$/, ''), raw: code[i].length, cost });
  before = Buffer.concat([dictionary, code[i]]);
}

const kib = (n) => (n / 1024).toFixed(1).padStart(6);
const sum = (list) => list.reduce((a, r) => a + r.cost, 0);
const groups = new Map();
for (const r of rows) {
  const g = groups.get(group(r.name)) ?? { cost: 0, raw: 0, n: 0 };
  g.cost += r.cost;
  g.raw += r.raw;
  g.n += 1;
  groups.set(group(r.name), g);
}
const total = sum(rows);
const data = section(bytes, 11);
const dataWeight = data ? zlib.deflateRawSync(data, { level: 9 }).length : 0;
console.log(`${wasmPath}: ${rows.length} functions weigh ${kib(total).trim()} KiB, the data section`);
console.log(`(strings, the stylesheet) ${kib(dataWeight).trim()} KiB on its own. Each function compressed apart`);
console.log('carries code tables of its own, so the sum overstates the file: compare shares, not totals.\n');
console.log(' weight KiB  share    raw KiB  functions  group');
for (const [name, g] of [...groups].sort((a, b) => b[1].cost - a[1].cost)) {
  const share = `${((100 * g.cost) / total).toFixed(1)}%`.padStart(6);
  console.log(`     ${kib(g.cost)}  ${share}    ${kib(g.raw)}  ${String(g.n).padStart(9)}  ${name}`);
}
console.log(`\nThe ${top} heaviest functions (weight and raw bytes):`);
for (const r of [...rows].sort((a, b) => b.cost - a.cost).slice(0, Number(top))) {
  console.log(`${String(r.cost).padStart(7)} ${String(r.raw).padStart(7)}  ${r.name.slice(0, 140)}`);
}
