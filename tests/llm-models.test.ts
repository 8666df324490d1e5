// GGUF header reading, the fit estimate and the model library, on the generated tiny model and damaged copies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateFit, kvCacheBytes, machineFacts, OVERHEAD_BASE } from '../src-main/core/llm/fit.ts';
import { formatParameterCount, GgufError, readGgufHeader } from '../src-main/core/llm/gguf-header.ts';
import { addModel, listModels, RECOMMENDED_MODELS, removeModel, REGISTRY_FILE } from '../src-main/core/llm/models.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

let dir: string;
let tiny: string;
const GB = 1024 ** 3;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-llm-models-'));
  tiny = writeTinyGguf(join(dir, 'tiny.gguf'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readError(path: string): GgufError {
  try {
    readGgufHeader(path);
  } catch (err) {
    return err as GgufError;
  }
  throw new Error('expected an error');
}

describe('readGgufHeader', () => {
  it('reads the tiny model’s metadata and counts its parameters', () => {
    const info = readGgufHeader(tiny);
    const nVocab = 5 + 256 + 11;
    // token_embd + output (64 × vocab each), output_norm, and per layer: 4 attention (64²), 2 norms, 3 FFN (64 × 128).
    const params = 2 * 64 * nVocab + 64 + 2 * (4 * 64 * 64 + 2 * 64 + 3 * 64 * 128);
    expect(info).toMatchObject({
      version: 3,
      architecture: 'llama',
      name: 'workbench-tiny-test',
      parameterCount: params,
      quantization: 'F32',
      contextLength: 2048,
      embeddingLength: 64,
      layers: 2,
      headCount: 4,
      headCountKv: 4,
      embeddingKv: 64,
      hasChatTemplate: true,
      tensorCount: 3 + 2 * 9,
      fileSize: readFileSync(tiny).length,
    });
    expect(info.dataOffset % 32).toBe(0);
    // Arrays are summarized, not kept.
    expect(info.metadata['tokenizer.ggml.tokens']).toEqual({ arrayType: 8, length: nVocab });
    expect(formatParameterCount(info.parameterCount)).toBe('117K');
    expect(formatParameterCount(1.54e9)).toBe('1.5B');
  });

  it('reads grouped-query attention (fewer KV heads) into the KV width', () => {
    const info = readGgufHeader(writeTinyGguf(join(dir, 'gqa.gguf'), { headCountKv: 2 }));
    expect(info.embeddingKv).toBe(32);
  });

  it('gives a clear error for truncated, foreign and missing files, never a crash', () => {
    const bytes = readFileSync(tiny);
    const info = readGgufHeader(tiny);
    const cases: [number, RegExp][] = [
      [Math.floor(bytes.length * 0.6), /incomplete: its tensors need \d+ bytes, the file has \d+/],
      [info.dataOffset - 10, /ends inside the GGUF header/],
      [2000, /ends inside the GGUF header/],
      [12, /ends inside the GGUF header/],
      [5, /not a GGUF model file/],
    ];
    for (const [length, message] of cases) {
      const path = join(dir, `cut-${length}.gguf`);
      writeFileSync(path, bytes.subarray(0, length));
      const error = readError(path);
      expect(error).toBeInstanceOf(GgufError);
      expect(error.message).toMatch(message);
    }
    // Every cut point in the header: always a GgufError.
    for (let length = 0; length < info.dataOffset; length += 97) {
      const path = join(dir, 'cut-scan.gguf');
      writeFileSync(path, bytes.subarray(0, length));
      expect(readError(path)).toBeInstanceOf(GgufError);
    }
    const text = join(dir, 'notes.gguf');
    writeFileSync(text, 'this is not a model, just some text');
    expect(readError(text).code).toBe('not-gguf');
    const v1 = Buffer.from(bytes);
    v1.writeUInt32LE(1, 4);
    writeFileSync(join(dir, 'v1.gguf'), v1);
    expect(readError(join(dir, 'v1.gguf')).message).toMatch(/version 1 is not supported/);
    // A corrupt count must not make the reader allocate or loop for ever.
    const huge = Buffer.from(bytes);
    huge.writeBigUInt64LE(1n << 40n, 16);
    writeFileSync(join(dir, 'huge.gguf'), huge);
    expect(readError(join(dir, 'huge.gguf'))).toBeInstanceOf(GgufError);
    expect(readError(join(dir, 'absent.gguf')).code).toBe('io');
  });

  it('reads only the header of a large file', () => {
    const info = readGgufHeader(tiny, { maxHeaderBytes: 64 * 1024 });
    expect(info.dataOffset).toBeLessThan(64 * 1024);
    // The header is about 10 KB here; a smaller cap is reported, not overrun.
    expect(() => readGgufHeader(tiny, { maxHeaderBytes: 1000 })).toThrow(/larger than 1000 bytes/);
  });
});

describe('estimateFit', () => {
  // A 1.5B Q4_K_M-like model: 28 layers, KV width 256 (2 KV heads × 128).
  const model = { fileSize: 1.1 * GB, layers: 28, embeddingKv: 256, contextSize: 4096 };

  it('adds weights, the f16 KV cache and overhead', () => {
    const fit = estimateFit(model, { freeRam: 16 * GB, totalRam: 32 * GB });
    expect(fit.kvCache).toBe(2 * 28 * 4096 * 256 * 2);
    expect(kvCacheBytes(28, 4096, 256)).toBe(fit.kvCache);
    expect(fit.overhead).toBe(Math.round(OVERHEAD_BASE + 0.05 * model.fileSize));
    expect(fit.needed).toBe(fit.weights + fit.kvCache + fit.overhead);
    expect(fit).toMatchObject({ verdict: 'fits', placement: 'cpu' });
  });

  it('judges by free RAM, total RAM and VRAM', () => {
    expect(estimateFit(model, { freeRam: 1 * GB, totalRam: 8 * GB })).toMatchObject({ verdict: 'slow' });
    expect(estimateFit(model, { freeRam: 0.5 * GB, totalRam: 1 * GB })).toMatchObject({ verdict: 'wont-fit' });
    expect(estimateFit(model, { freeRam: 1 * GB, totalRam: 8 * GB, freeVram: 8 * GB })).toMatchObject({
      verdict: 'fits',
      placement: 'gpu',
    });
    expect(estimateFit(model, { freeRam: 8 * GB, totalRam: 16 * GB, freeVram: 1 * GB })).toMatchObject({
      verdict: 'slow',
      placement: 'split',
    });
    // A big model in plenty of RAM but on the CPU: slow.
    const big = { ...model, fileSize: 8 * GB };
    expect(estimateFit(big, { freeRam: 64 * GB, totalRam: 64 * GB })).toMatchObject({ verdict: 'slow' });
    // A longer context needs more cache.
    const long = estimateFit({ ...model, contextSize: 32768 }, { freeRam: 16 * GB, totalRam: 32 * GB });
    expect(long.kvCache).toBe(8 * estimateFit(model, { freeRam: 16 * GB, totalRam: 32 * GB }).kvCache);
    // Unknown architecture: a share of the weights stands in for the cache.
    expect(estimateFit({ ...model, layers: null }, { freeRam: 16 * GB, totalRam: 32 * GB }).kvCache).toBe(
      Math.round(0.1 * model.fileSize),
    );
  });

  it('reads this machine', () => {
    const m = machineFacts();
    expect(m.totalRam).toBeGreaterThan(0);
    expect(m.freeRam).toBeLessThanOrEqual(m.totalRam);
    expect(m.freeVram).toBeUndefined();
    expect(machineFacts(123).freeVram).toBe(123);
  });
});

describe('model library', () => {
  it('lists folder models, registers outside files in place and removes them', () => {
    const lib = join(dir, 'library');
    const outside = mkdtempSync(join(tmpdir(), 'wb-llm-outside-'));
    try {
      expect(listModels(lib)).toEqual([]);
      writeTinyGguf(join(dir, 'x.gguf'));
      const machine = { freeRam: 8 * GB, totalRam: 16 * GB };
      // The folder is created by the first add.
      const elsewhere = writeTinyGguf(join(outside, 'elsewhere.gguf'));
      const added = addModel(lib, elsewhere, { machine, contextSize: 1024 });
      expect(added).toMatchObject({ path: elsewhere, source: 'registered', error: null });
      expect(added.fit?.verdict).toBe('fits');
      expect(added.fit?.kvCache).toBe(2 * 2 * 1024 * 64 * 2);
      // Adding twice keeps one entry.
      addModel(lib, elsewhere);
      writeTinyGguf(join(lib, 'b-in-folder.gguf'));
      writeFileSync(join(lib, 'a-broken.gguf'), 'GGUF');
      writeFileSync(join(lib, 'readme.txt'), 'not a model');
      const list = listModels(lib, { machine });
      expect(list.map((m) => [m.fileName, m.source])).toEqual([
        ['a-broken.gguf', 'folder'],
        ['b-in-folder.gguf', 'folder'],
        ['elsewhere.gguf', 'registered'],
      ]);
      expect(list[0]).toMatchObject({ header: null, fit: null, error: expect.stringMatching(/not a GGUF model file/) });
      expect(list[1]?.header?.architecture).toBe('llama');
      expect(list[1]?.fit?.verdict).toBe('fits');
      const registry = JSON.parse(readFileSync(join(lib, REGISTRY_FILE), 'utf8')) as { models: unknown[] };
      expect(registry.models).toHaveLength(1);
      // Not a model: refused, registry untouched.
      expect(() => addModel(lib, join(lib, 'readme.txt'))).toThrow(GgufError);
      expect(() => addModel(lib, join(outside, 'nope.gguf'))).toThrow(/No such file/);
      // A registered file that disappears is listed as missing.
      rmSync(elsewhere);
      expect(listModels(lib).at(-1)).toMatchObject({ fileName: 'elsewhere.gguf', error: 'The file is missing' });
      expect(removeModel(lib, elsewhere)).toBe(true);
      expect(removeModel(lib, elsewhere)).toBe(false);
      expect(listModels(lib).map((m) => m.fileName)).toEqual(['a-broken.gguf', 'b-in-folder.gguf']);
      // A damaged registry does not hide the folder's models.
      writeFileSync(join(lib, REGISTRY_FILE), '{not json');
      expect(listModels(lib)).toHaveLength(2);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('recommends small bilingual instruct models as data only', () => {
    expect(RECOMMENDED_MODELS.length).toBeGreaterThanOrEqual(3);
    for (const m of RECOMMENDED_MODELS) {
      expect(m.url).toMatch(/^https:\/\/huggingface\.co\//);
      expect(m.file).toMatch(/\.gguf$/);
      expect(m.sizeBytes).toBeLessThan(3 * GB);
      expect(m.licence).toMatch(/\S/);
    }
    expect(RECOMMENDED_MODELS.some((m) => m.languages.includes('zh'))).toBe(true);
  });
});
