// Reads a GGUF model file's header (metadata key-values and tensor infos) without loading the model: the model
// library lists many files and must not spend seconds and gigabytes per file, nor crash on a damaged download.
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (v2 and v3; v1 used 32-bit counts, long gone).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type GgufErrorCode = 'not-gguf' | 'unsupported' | 'truncated' | 'invalid' | 'io';

export class GgufError extends Error {
  code: GgufErrorCode;
  constructor(code: GgufErrorCode, message: string) {
    super(message);
    this.name = 'GgufError';
    this.code = code;
  }
}

export type GgufValue = number | bigint | boolean | string | GgufArraySummary;

/** Arrays are summarized, not kept: the tokenizer's vocabulary alone can be megabytes. */
export interface GgufArraySummary {
  arrayType: number;
  length: number;
  /** The values of short numeric arrays (per-layer head counts, for instance); absent for long or string arrays. */
  values?: number[];
}

export interface GgufInfo {
  path: string;
  version: number;
  fileSize: number;
  architecture: string | null;
  name: string | null;
  /** Sum of the tensors' element counts: the model's parameter count. */
  parameterCount: number;
  /** Like 'Q4_K_M' (general.file_type); without that key, the tensor type holding most elements, like 'F32'. */
  quantization: string | null;
  contextLength: number | null;
  embeddingLength: number | null;
  layers: number | null;
  headCount: number | null;
  headCountKv: number | null;
  /** Per-token width of one layer's K (and V) cache: key length × KV heads. */
  embeddingKv: number | null;
  hasChatTemplate: boolean;
  tensorCount: number;
  /** Where the tensor data starts; the header read ends there. */
  dataOffset: number;
  /** Scalar metadata (strings, numbers, booleans); arrays as summaries. */
  metadata: Record<string, GgufValue>;
}

export interface GgufReadOptions {
  /** Give up past this many header bytes (default 64 MiB): no real header comes near it, a corrupt count would. */
  maxHeaderBytes?: number;
}

// Metadata value types.
const U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11;
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** llama.cpp's llama_ftype (general.file_type) names. */
const FILE_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
  36: 'TQ1_0',
  37: 'TQ2_0',
  38: 'MXFP4_MOE',
};

/** ggml tensor types: name, elements per block, bytes per block (to check the data is all there). */
const TENSOR_TYPES: Record<number, [string, number, number]> = {
  0: ['F32', 1, 4],
  1: ['F16', 1, 2],
  2: ['Q4_0', 32, 18],
  3: ['Q4_1', 32, 20],
  6: ['Q5_0', 32, 22],
  7: ['Q5_1', 32, 24],
  8: ['Q8_0', 32, 34],
  9: ['Q8_1', 32, 36],
  10: ['Q2_K', 256, 84],
  11: ['Q3_K', 256, 110],
  12: ['Q4_K', 256, 144],
  13: ['Q5_K', 256, 176],
  14: ['Q6_K', 256, 210],
  15: ['Q8_K', 256, 292],
  16: ['IQ2_XXS', 256, 66],
  17: ['IQ2_XS', 256, 74],
  18: ['IQ3_XXS', 256, 98],
  19: ['IQ1_S', 256, 50],
  20: ['IQ4_NL', 32, 18],
  21: ['IQ3_S', 256, 110],
  22: ['IQ2_S', 256, 82],
  23: ['IQ4_XS', 256, 136],
  24: ['I8', 1, 1],
  25: ['I16', 1, 2],
  26: ['I32', 1, 4],
  27: ['I64', 1, 8],
  28: ['F64', 1, 8],
  29: ['IQ1_M', 256, 56],
  30: ['BF16', 1, 2],
};

const CHUNK = 1 << 20;

/** A forward-only reader over a file descriptor that holds one chunk at a time. */
class Cursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  private fd: number;
  readonly fileSize: number;
  private limit: number;
  constructor(fd: number, fileSize: number, limit: number) {
    this.fd = fd;
    this.fileSize = fileSize;
    this.limit = limit;
  }

  private need(n: number, what: string): number {
    const end = this.pos + n;
    if (end > this.fileSize) {
      throw new GgufError('truncated', `The file ends inside the GGUF header (reading ${what} at byte ${this.pos})`);
    }
    if (end > this.limit) {
      throw new GgufError('invalid', `The GGUF header is larger than ${this.limit} bytes; the file looks corrupt`);
    }
    if (this.pos < this.bufStart || end > this.bufStart + this.buf.length) {
      const size = Math.min(Math.max(n, CHUNK), this.fileSize - this.pos);
      const b = Buffer.alloc(size);
      let got = 0;
      while (got < size) {
        const r = readSync(this.fd, b, got, size - got, this.pos + got);
        if (r === 0) break;
        got += r;
      }
      if (got < n) throw new GgufError('truncated', `The file ends inside the GGUF header (reading ${what})`);
      this.buf = b.subarray(0, got);
      this.bufStart = this.pos;
    }
    const at = this.pos - this.bufStart;
    this.pos = end;
    return at;
  }

  u32(what = 'a number'): number {
    // need() may swap the buffer: call it before reading this.buf.
    const at = this.need(4, what);
    return this.buf.readUInt32LE(at);
  }
  u64(what = 'a number'): number {
    const at = this.need(8, what);
    const v = this.buf.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError('invalid', `Impossible ${what} (${v}) in the header`);
    return Number(v);
  }
  skip(n: number, what: string): void {
    if (this.pos + n > this.fileSize) {
      throw new GgufError('truncated', `The file ends inside the GGUF header (skipping ${what})`);
    }
    if (this.pos + n > this.limit) {
      throw new GgufError('invalid', `The GGUF header is larger than ${this.limit} bytes; the file looks corrupt`);
    }
    this.pos += n;
  }
  string(what: string): string {
    const len = this.u64(`the length of ${what}`);
    if (len > 16 * CHUNK) throw new GgufError('invalid', `Impossible length ${len} of ${what}`);
    const at = this.need(len, what);
    return this.buf.toString('utf8', at, at + len);
  }
  scalar(type: number, what: string): number | bigint | boolean {
    const size = SCALAR_SIZE[type];
    if (size === undefined) throw new GgufError('invalid', `Unknown value type ${type} for ${what}`);
    const at = this.need(size, what);
    const b = this.buf;
    switch (type) {
      case U8:
        return b.readUInt8(at);
      case I8:
        return b.readInt8(at);
      case U16:
        return b.readUInt16LE(at);
      case I16:
        return b.readInt16LE(at);
      case U32:
        return b.readUInt32LE(at);
      case I32:
        return b.readInt32LE(at);
      case F32:
        return b.readFloatLE(at);
      case BOOL:
        return b.readUInt8(at) !== 0;
      case U64:
        return safe(b.readBigUInt64LE(at));
      case I64:
        return safe(b.readBigInt64LE(at));
      default: // F64 (12)
        return b.readDoubleLE(at);
    }
  }
}

// 64-bit values as numbers when exact, so callers rarely meet a bigint.
const safe = (v: bigint): number | bigint =>
  v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;

const SHORT_ARRAY = 1024;

function readValue(c: Cursor, type: number, key: string): GgufValue {
  if (type === STRING) return c.string(`the value of ${key}`);
  if (type !== ARRAY) return c.scalar(type, `the value of ${key}`);
  const arrayType = c.u32(`the array type of ${key}`);
  const length = c.u64(`the array length of ${key}`);
  if (arrayType === STRING) {
    for (let i = 0; i < length; i++) c.skip(c.u64(`a string length in ${key}`), `a string in ${key}`);
    return { arrayType, length };
  }
  const size = SCALAR_SIZE[arrayType];
  if (size === undefined) throw new GgufError('invalid', `Unsupported array element type ${arrayType} in ${key}`);
  if (length > SHORT_ARRAY || arrayType === BOOL) {
    c.skip(length * size, key);
    return { arrayType, length };
  }
  const values: number[] = [];
  for (let i = 0; i < length; i++) values.push(Number(c.scalar(arrayType, key)));
  return { arrayType, length, values };
}

function num(v: GgufValue | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  // Per-layer arrays (some models vary KV heads by layer): the largest sizes the cache safely.
  if (v && typeof v === 'object' && v.values && v.values.length > 0) return Math.max(...v.values);
  return null;
}

/** Reads the header of the GGUF file at `path`. Throws GgufError (never anything else) for a bad or short file. */
export function readGgufHeader(path: string, options: GgufReadOptions = {}): GgufInfo {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new GgufError('io', `Cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    const fileSize = fstatSync(fd).size;
    return parse(new Cursor(fd, fileSize, options.maxHeaderBytes ?? 64 * CHUNK), path);
  } catch (err) {
    if (err instanceof GgufError) throw err;
    // A RangeError from Buffer or the like: still a damaged file, not a crash.
    throw new GgufError('invalid', `Cannot read the GGUF header of ${path}: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

function parse(c: Cursor, path: string): GgufInfo {
  if (c.fileSize < 8) throw new GgufError('not-gguf', `${path} is not a GGUF model file (too short)`);
  const magic = c.u32('the magic number');
  if (magic !== 0x46554747) throw new GgufError('not-gguf', `${path} is not a GGUF model file`);
  const version = c.u32('the version');
  if (version !== 2 && version !== 3) {
    throw new GgufError('unsupported', `GGUF version ${version} is not supported (only 2 and 3)`);
  }
  const tensorCount = c.u64('the tensor count');
  const kvCount = c.u64('the metadata count');
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < kvCount; i++) {
    const key = c.string('a metadata key');
    const type = c.u32(`the type of ${key}`);
    metadata[key] = readValue(c, type, key);
  }
  let parameterCount = 0;
  const elementsByType = new Map<number, number>();
  let dataEnd = 0;
  let knownSizes = true;
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string('a tensor name');
    const dims = c.u32(`the dimensions of ${name}`);
    if (dims > 8) throw new GgufError('invalid', `Tensor ${name} has ${dims} dimensions`);
    let elements = 1;
    for (let d = 0; d < dims; d++) elements *= c.u64(`a dimension of ${name}`);
    const type = c.u32(`the type of ${name}`);
    const offset = c.u64(`the offset of ${name}`);
    parameterCount += elements;
    elementsByType.set(type, (elementsByType.get(type) ?? 0) + elements);
    const t = TENSOR_TYPES[type];
    if (t) dataEnd = Math.max(dataEnd, offset + Math.ceil(elements / t[1]) * t[2]);
    else knownSizes = false;
  }
  const alignment = num(metadata['general.alignment']) ?? 32;
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  // A download cut short keeps its header; llama.cpp would refuse it at load, so say so now.
  if (knownSizes && tensorCount > 0 && dataOffset + dataEnd > c.fileSize) {
    throw new GgufError(
      'truncated',
      `The model file is incomplete: its tensors need ${dataOffset + dataEnd} bytes, the file has ${c.fileSize}`,
    );
  }

  const str = (k: string): string | null => (typeof metadata[k] === 'string' ? (metadata[k] as string) : null);
  const arch = str('general.architecture');
  const a = (k: string): number | null => (arch ? num(metadata[`${arch}.${k}`]) : null);
  const fileType = num(metadata['general.file_type']);
  let quantization: string | null = fileType !== null ? (FILE_TYPES[fileType] ?? `type ${fileType}`) : null;
  if (quantization === null && elementsByType.size > 0) {
    const [type] = [...elementsByType].sort((x, y) => y[1] - x[1])[0]!;
    quantization = TENSOR_TYPES[type]?.[0] ?? `type ${type}`;
  }
  const embeddingLength = a('embedding_length');
  const headCount = a('attention.head_count');
  const headCountKv = a('attention.head_count_kv') ?? headCount;
  const keyLength = a('attention.key_length') ?? (embeddingLength && headCount ? embeddingLength / headCount : null);
  return {
    path,
    version,
    fileSize: c.fileSize,
    architecture: arch,
    name: str('general.name'),
    parameterCount,
    quantization,
    contextLength: a('context_length'),
    embeddingLength,
    layers: a('block_count'),
    headCount,
    headCountKv,
    embeddingKv: keyLength !== null && headCountKv !== null ? keyLength * headCountKv : null,
    hasChatTemplate: typeof metadata['tokenizer.chat_template'] === 'string',
    tensorCount,
    dataOffset,
    metadata,
  };
}

/** '1.5B', '494M': how model cards write sizes. */
export function formatParameterCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}B`;
  if (n >= 1e6) return `${Math.round(n / 1e6)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}K`;
  return String(n);
}
