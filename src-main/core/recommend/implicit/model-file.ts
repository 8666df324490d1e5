/**
 * A flat binary file of named typed arrays with a JSON header, for fitted models kept beside a workspace:
 *   "MWBM" · u32 header length · header JSON · padding to 8 · arrays, each at an 8-byte aligned offset.
 * Read back into one ArrayBuffer, so every array is a view (no per-array copy). Written to a temporary name and
 * renamed, so a reader never sees half a file.
 */
import { closeSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';

export type StoredArray = Int32Array | Float32Array | Float64Array | Uint8Array;
type ArrayType = 'i32' | 'f32' | 'f64' | 'u8';

const MAGIC = 0x4d42574d; // "MWBM" little-endian

function typeOf(a: StoredArray): ArrayType {
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  return 'u8';
}

const align8 = (n: number) => (n + 7) & ~7;

export function writeModelFile(path: string, header: unknown, arrays: Record<string, StoredArray>): void {
  const entries = Object.entries(arrays);
  const layout: { name: string; type: ArrayType; length: number; offset: number }[] = [];
  let offset = 0;
  for (const [name, a] of entries) {
    layout.push({ name, type: typeOf(a), length: a.length, offset });
    offset = align8(offset + a.byteLength);
  }
  const head = Buffer.from(JSON.stringify({ header, arrays: layout }), 'utf8');
  const prefix = Buffer.alloc(align8(8 + head.length));
  prefix.writeUInt32LE(MAGIC, 0);
  prefix.writeUInt32LE(head.length, 4);
  head.copy(prefix, 8);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, prefix);
    const pad = new Uint8Array(8);
    for (const [, a] of entries) {
      writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      const gap = align8(a.byteLength) - a.byteLength;
      if (gap > 0) writeSync(fd, pad, 0, gap);
    }
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The header and arrays of a file from writeModelFile; throws on anything that is not one. */
export function readModelFile(path: string): { header: unknown; arrays: Map<string, StoredArray> } {
  const size = statSync(path).size;
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < size) {
      const got = readSync(fd, bytes, done, size - done, done);
      if (got === 0) break;
      done += got;
    }
    if (done !== size) throw new Error('model file shorter than its size');
  } finally {
    closeSync(fd);
  }
  const view = new DataView(buffer);
  if (size < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not a model file');
  const headLength = view.getUint32(4, true);
  if (8 + headLength > size) throw new Error('model file header truncated');
  const parsed = JSON.parse(Buffer.from(buffer, 8, headLength).toString('utf8')) as {
    header: unknown;
    arrays: { name: string; type: ArrayType; length: number; offset: number }[];
  };
  const base = align8(8 + headLength);
  const arrays = new Map<string, StoredArray>();
  for (const e of parsed.arrays) {
    const at = base + e.offset;
    const width = e.type === 'u8' ? 1 : e.type === 'f64' ? 8 : 4;
    if (at + e.length * width > size) throw new Error(`model file array ${e.name} truncated`);
    const a =
      e.type === 'i32'
        ? new Int32Array(buffer, at, e.length)
        : e.type === 'f32'
          ? new Float32Array(buffer, at, e.length)
          : e.type === 'f64'
            ? new Float64Array(buffer, at, e.length)
            : new Uint8Array(buffer, at, e.length);
    arrays.set(e.name, a);
  }
  return { header: parsed.header, arrays };
}
