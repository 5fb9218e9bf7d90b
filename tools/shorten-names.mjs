// Shortens the names the wasm and its wasm-bindgen glue share.
//
//   node tools/shorten-names.mjs WASM GLUE
//
// wasm-bindgen names every import and export after its Rust path plus a 16-hex-digit hash
// (`__wbg_addEventListener_8d3235978b9c69a8`), once in the wasm and once in the glue: a few
// hundred random strings that gzip cannot shrink. binaryen's
// `--minify-imports-and-exports-and-modules` renames them in the wasm and prints the mapping;
// this script applies that mapping to the glue, then checks that every import the wasm asks
// for is provided and every export the glue uses exists. Both files are rewritten in place.
// Being the last pass over the wasm, it also drops the `producers` and `target_features`
// sections, which only tools read.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [wasmPath, gluePath] = process.argv.slice(2);
if (!wasmPath || !gluePath) {
  console.error('usage: node tools/shorten-names.mjs WASM GLUE');
  process.exit(2);
}
const fail = (msg) => {
  console.error(`shorten-names: ${msg}`);
  process.exit(1);
};

const wasmOpt = path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules/.bin/wasm-opt');
const out = execFileSync(
  wasmOpt,
  [wasmPath, '--minify-imports-and-exports-and-modules', '--strip-producers', '--strip-target-features', '-o', wasmPath],
  { encoding: 'utf8' },
);
// wasm-opt prints the mapping as JSON: {"imports": [[module, name, new]], "exports": [[name, new]]}.
const map = JSON.parse(out.slice(out.indexOf('{')));

let glue = readFileSync(gluePath, 'utf8');
const key = (s) => JSON.stringify(s);
const identifier = /^[A-Za-z_$][\w$]*$/;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Replaces the first match; finding none means the glue is not what this script expects.
const replaceOnce = (re, to, what) => {
  const before = glue;
  glue = glue.replace(re, to);
  if (glue === before) fail(`${what} not found in ${gluePath}`);
};

// Imports: the glue's import object is keyed by import name.
const oldModules = new Set(map.imports.map(([module]) => module));
if (oldModules.size !== 1) fail(`expected imports from one module, found ${[...oldModules].join(', ')}`);
for (const [, name, short] of map.imports) {
  replaceOnce(new RegExp(`(^|[\\s{,])${escape(name)}(\\s*:)`, 'm'), `$1${key(short)}$2`, `import ${name}`);
}

// Exports: every `wasm.NAME` the glue reads.
for (const [name, short] of map.exports) {
  const to = identifier.test(short) ? `wasm.${short}` : `wasm[${key(short)}]`;
  glue = glue.replace(new RegExp(`\\bwasm\\.${escape(name)}\\b`, 'g'), to);
}

// The check: instantiate-level agreement between the two files.
const mod = new WebAssembly.Module(readFileSync(wasmPath));
const imports = WebAssembly.Module.imports(mod);
const wanted = new Set(imports.map((i) => i.module));
if (wanted.size !== 1) fail(`the wasm imports from ${wanted.size} modules`);
const [wasmModule] = wanted;
const [oldModule] = oldModules;
// The import object is handed over keyed by module name.
replaceOnce(`${key(oldModule)}:`, `${key(wasmModule)}:`, `module ${oldModule}`);
for (const i of imports) {
  if (!glue.includes(`${key(i.name)}:`)) fail(`the glue does not provide import ${i.name}`);
}
const exported = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
for (const m of glue.matchAll(/\bwasm(?:\.([A-Za-z_$][\w$]*)|\[("[^"]*")\])/g)) {
  const name = m[1] ?? JSON.parse(m[2]);
  if (!exported.has(name)) fail(`the glue uses wasm.${name}, which the wasm does not export`);
}
writeFileSync(gluePath, glue);
