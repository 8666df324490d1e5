/**
 * A flat binary file of named typed arrays with a JSON header, for fitted models kept beside a workspace:
 *   "MWBM" · u32 header length · header JSON · padding to 8 · arrays, each at an 8-byte aligned offset.
 * Read back whole (readModelFile) or an array, or part of one, at a time (ModelFile). Written to a temporary name
 * and renamed, so a reader never sees half a file.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';

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

interface ArrayEntry {
  name: string;
  type: ArrayType;
  length: number;
  /** Byte offset from the start of the file. */
  at: number;
}

const WIDTH: Record<ArrayType, number> = { i32: 4, f32: 4, f64: 8, u8: 1 };

function allocate(type: ArrayType, length: number): StoredArray {
  return type === 'i32'
    ? new Int32Array(length)
    : type === 'f32'
      ? new Float32Array(length)
      : type === 'f64'
        ? new Float64Array(length)
        : new Uint8Array(length);
}

/** Fills `into` from the file at `position`; throws when the file ends first. */
function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const got = readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) throw new Error('model file shorter than its header says');
    done += got;
  }
}

/** The header of an open model file: the caller's header object and where each array lies. */
function readLayout(fd: number, size: number): { header: unknown; entries: Map<string, ArrayEntry> } {
  if (size < 8) throw new Error('not a model file');
  const start = new Uint8Array(8);
  readFully(fd, start, 0);
  const view = new DataView(start.buffer);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('not a model file');
  const headLength = view.getUint32(4, true);
  if (8 + headLength > size) throw new Error('model file header truncated');
  const head = new Uint8Array(headLength);
  readFully(fd, head, 8);
  const parsed = JSON.parse(Buffer.from(head.buffer, 0, headLength).toString('utf8')) as {
    header: unknown;
    arrays: { name: string; type: ArrayType; length: number; offset: number }[];
  };
  const base = align8(8 + headLength);
  const entries = new Map<string, ArrayEntry>();
  for (const e of parsed.arrays) {
    if (!(e.type in WIDTH) || !Number.isInteger(e.length) || e.length < 0) throw new Error('model file layout invalid');
    const at = base + e.offset;
    if (at + e.length * WIDTH[e.type] > size) throw new Error(`model file array ${e.name} truncated`);
    entries.set(e.name, { name: e.name, type: e.type, length: e.length, at });
  }
  return { header: parsed.header, entries };
}

/**
 * A model file opened for reads of single arrays or ranges of one (positional reads), so a request reads what it
 * uses: one customer's row of a million-row matrix is a few hundred bytes, not the 236 MB file. No descriptor is
 * held between reads (an open file cannot be replaced or deleted on Windows); each read checks that the file still
 * has the size it had when opened (a rewrite under the same name is the same fit, a prune is a different size or
 * gone, both an error).
 */
export class ModelFile {
  readonly path: string;
  readonly header: unknown;
  private readonly size: number;
  private readonly entries: Map<string, ArrayEntry>;

  private constructor(path: string, size: number, layout: ReturnType<typeof readLayout>) {
    this.path = path;
    this.size = size;
    this.header = layout.header;
    this.entries = layout.entries;
  }

  /** Reads the header only; throws on anything that is not a model file. */
  static open(path: string): ModelFile {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      return new ModelFile(path, size, readLayout(fd, size));
    } finally {
      closeSync(fd);
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Element count of the named array. */
  length(name: string): number {
    return this.entry(name).length;
  }

  private entry(name: string): ArrayEntry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`model file lacks ${name}`);
    return e;
  }

  /** The whole named array, in its own buffer. */
  read(name: string): StoredArray {
    return this.readRange(name, 0, this.entry(name).length);
  }

  /** Elements [from, to) of the named array, in their own buffer. */
  readRange(name: string, from: number, to: number): StoredArray {
    const e = this.entry(name);
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= e.length)) {
      throw new RangeError(`model file array ${name}: range ${from}..${to} outside 0..${e.length}`);
    }
    const out = allocate(e.type, to - from);
    const fd = openSync(this.path, 'r');
    try {
      if (fstatSync(fd).size !== this.size) throw new Error('model file changed since it was opened');
      readFully(fd, new Uint8Array(out.buffer, out.byteOffset, out.byteLength), e.at + from * WIDTH[e.type]);
    } finally {
      closeSync(fd);
    }
    return out;
  }
}

/** The header and every array of a file from writeModelFile; throws on anything that is not one. */
export function readModelFile(path: string): { header: unknown; arrays: Map<string, StoredArray> } {
  const file = ModelFile.open(path);
  const arrays = new Map<string, StoredArray>();
  for (const name of file.names()) arrays.set(name, file.read(name));
  return { header: file.header, arrays };
}
