// The defined functions of a wasm file, as the tools that measure and reorder them need them:
// each one's body bytes (the code section's entries, in the file's order) and binaryen's view
// of it (name, signature, body expression), index for index.
import binaryen from 'binaryen';

/** Reads an unsigned LEB128 at `at.pos`, moving it past. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at.pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return value;
}

/** The contents of the first section with `id` (10: code, 11: data), or `null`. */
export function section(bytes, id) {
  const at = { pos: 8 };
  while (at.pos < bytes.length) {
    const found = bytes[at.pos++];
    const size = leb(bytes, at);
    if (found === id) return bytes.subarray(at.pos, at.pos + size);
    at.pos += size;
  }
  return null;
}

/** The code section's entries in the file's order, or `null` when the file has none. */
export function codeBodies(bytes) {
  const code = section(bytes, 10);
  if (!code) return null;
  const at = { pos: 0 };
  const list = [];
  for (let n = leb(code, at); n > 0; n--) {
    const size = leb(code, at);
    list.push(code.subarray(at.pos, at.pos + size));
    at.pos += size;
  }
  return list;
}

/** binaryen's info of every defined (not imported) function, in the file's order. */
export function definedFunctions(module) {
  const defined = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (!info.module) defined.push(info);
  }
  return defined;
}
