// Writes the brotli (`.br`) and gzip (`.gz`) copy of every file in a folder, at the
// highest settings, so a server sends the agent compressed without compressing it per
// request (the collector does; for a CDN, upload the copies with their Content-Encoding).
//
//   node tools/precompress.mjs DIR
//
// Copies are written after their file, so they are never older than it: the collector
// refuses a copy older than its file (one left over from an earlier build).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [dir] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node tools/precompress.mjs DIR');
  process.exit(2);
}

for (const entry of readdirSync(dir, { withFileTypes: true })) {
  const { name } = entry;
  if (!entry.isFile() || /\.(br|gz)$/.test(name)) continue;
  const file = path.join(dir, name);
  const bytes = readFileSync(file);
  const { constants: c } = zlib;
  const brotli = zlib.brotliCompressSync(bytes, {
    params: {
      [c.BROTLI_PARAM_QUALITY]: c.BROTLI_MAX_QUALITY,
      [c.BROTLI_PARAM_LGWIN]: c.BROTLI_MAX_WINDOW_BITS,
      [c.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      [c.BROTLI_PARAM_MODE]: name.endsWith('.wasm') ? c.BROTLI_MODE_GENERIC : c.BROTLI_MODE_TEXT,
    },
  });
  writeFileSync(`${file}.br`, brotli);
  writeFileSync(`${file}.gz`, zlib.gzipSync(bytes, { level: 9 }));
}
