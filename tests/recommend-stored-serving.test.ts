import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlsRecommender } from '../src-main/core/recommend/implicit/als.ts';
import { ModelFile, readModelFile, writeModelFile } from '../src-main/core/recommend/implicit/model-file.ts';
import {
  modelDir,
  servingModel,
  storedModels,
  type ModelSpec,
  type ServingModel,
} from '../src-main/core/recommend/implicit/model-store.ts';
import { ImplicitRecommender } from '../src-main/core/recommend/implicit/recommend.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace } from './helpers/workspace.ts';

/** Every answer a served model gives, for every customer and item of the sample shop. */
function answers(m: ServingModel) {
  const { nUsers, nItems } = m.matrix;
  const customers = [];
  for (let u = -1; u < nUsers; u++) {
    const one = m.forCustomer(u);
    customers.push(one.rec.forUser(one.u, 7));
  }
  const items = [];
  for (let i = 0; i < nItems; i++) {
    items.push(
      m.rec instanceof AlsRecommender ? m.rec.similarItems(i, 5) : (m.rec as ImplicitRecommender).alsoBought(i, 5),
    );
  }
  // Every third customer in segment 0, every fifth (not third) in 1.
  const segmentOf = Int32Array.from({ length: nUsers }, (_, u) => (u % 3 === 0 ? 0 : u % 5 === 0 ? 1 : -1));
  return {
    customers,
    items,
    popularity: m.rec.popularity,
    segments: m.rec.bySegment(segmentOf, 2, 9),
    userIds: m.userIds,
    itemIds: m.itemIds,
  };
}

const specs: ModelSpec[] = [
  { algo: 'item-knn', neighbours: 30 },
  { algo: 'als', factors: 8, regularization: 20, alpha: 40, iterations: 3, seed: 1 },
];

describe('serving a stored model from positional reads', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
    generateSampleShop(ws.db, { customers: 400, seed: 11 });
  });
  afterAll(() => ws.cleanup());
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(modelDir(ws.db)!, { recursive: true, force: true });
  });

  for (const spec of specs) {
    it(`${spec.algo}: the stored file (current and format-1 layout) answers exactly as a fresh fit`, () => {
      const fresh = servingModel(ws.db, spec);
      expect(fresh.fromCache).toBe(false);
      const expected = answers(fresh);
      expect(expected.customers.some((l) => l.some((r) => r.source !== 'popular'))).toBe(true);
      expect(expected.segments[0]!.length).toBe(9);

      const stored = servingModel(ws.db, spec);
      expect(stored.fromCache).toBe(true);
      expect(answers(stored)).toEqual(expected);

      // The previous layout: no stored popularity, format 1. Read the old way once and rewritten as format 2.
      const [path] = storedModels(ws.db);
      const { header, arrays } = readModelFile(path!);
      arrays.delete('popCount');
      arrays.delete('popRanked');
      writeModelFile(path!, { ...(header as object), format: 1 }, Object.fromEntries(arrays));
      expect(ModelFile.open(path!).has('popCount')).toBe(false);
      const old = servingModel(ws.db, spec);
      expect(old.fromCache).toBe(true);
      expect(answers(old)).toEqual(expected);
      const upgraded = ModelFile.open(path!);
      expect((upgraded.header as { format: number }).format).toBe(2);
      expect(upgraded.has('popCount')).toBe(true);
    });
  }

  it('also-bought and a customer request read the small arrays and one row, not the matrix', () => {
    const spec = specs[0]!;
    const fresh = servingModel(ws.db, spec);
    const [path] = storedModels(ws.db);
    const reads: [string, number][] = [];
    const readRange = ModelFile.prototype.readRange;
    vi.spyOn(ModelFile.prototype, 'readRange').mockImplementation(function (this: ModelFile, name, from, to) {
      reads.push([name, to - from]);
      return readRange.call(this, name, from, to);
    });
    const stored = servingModel(ws.db, spec);
    const rec = stored.rec as ImplicitRecommender;
    expect(rec.alsoBought(0, 5)).toEqual((fresh.rec as ImplicitRecommender).alsoBought(0, 5));
    const afterOpen = reads.map(([name]) => name);
    expect(afterOpen).not.toContain('indices');
    expect(afterOpen).not.toContain('userIds');
    const u = 17;
    const one = stored.forCustomer(u);
    expect(one.rec.forUser(one.u, 6)).toEqual(fresh.rec.forUser(u, 6));
    const rowLength = fresh.matrix.byUser.indptr[u + 1]! - fresh.matrix.byUser.indptr[u]!;
    expect(reads.filter(([name]) => name === 'indices')).toEqual([['indices', rowLength]]);
    expect(reads.find(([name]) => name === 'indptr')).toEqual(['indptr', 2]);
    // The whole matrix only when asked for (a report's segment lists).
    expect(stored.matrix.byUser.indices).toEqual(fresh.matrix.byUser.indices);
    expect(reads.filter(([name]) => name === 'indices').at(-1)).toEqual([
      'indices',
      fresh.matrix.byUser.indices.length,
    ]);
    expect(path).toBeDefined();
  });

  it("a segment's scores are stored: the next request of any n answers as a fresh scoring, without segmentOf", () => {
    const spec = specs[0]!;
    const fresh = servingModel(ws.db, spec);
    const segmentOf = Int32Array.from({ length: fresh.matrix.nUsers }, (_, u) => (u % 4 === 1 ? 0 : -1));
    const expected = fresh.rec.bySegment(segmentOf, 1, 12)[0]!;
    let computed = 0;
    const members = () => {
      computed++;
      return segmentOf;
    };
    expect(fresh.segmentList('Quarter', members, 12)).toEqual(expected);
    expect(computed).toBe(1);
    const stored = servingModel(ws.db, spec);
    expect(stored.segmentList('Quarter', members, 12)).toEqual(expected);
    expect(stored.segmentList('Quarter', members, 4)).toEqual(expected.slice(0, 4));
    expect(computed).toBe(1);
    // Another segment name is scored (and stored) on its own.
    expect(stored.segmentList('Other', members, 12)).toEqual(expected);
    expect(computed).toBe(2);
    expect(storedModels(ws.db)).toHaveLength(3);
  });
});

describe('ModelFile', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
  });
  afterAll(() => ws.cleanup());

  it('reads whole arrays and ranges at their offsets, and refuses what is not a model file', () => {
    const path = join(ws.dir, 'a.bin');
    const ints = Int32Array.from({ length: 1001 }, (_, k) => k * 7 - 300);
    const doubles = Float64Array.from({ length: 333 }, (_, k) => Math.sqrt(k) - 0.5);
    const bytes = Uint8Array.from({ length: 5 }, (_, k) => 250 + k);
    const floats = Float32Array.from({ length: 9 }, (_, k) => k / 3);
    writeModelFile(path, { note: 'x' }, { bytes, ints, doubles, floats });
    const file = ModelFile.open(path);
    expect(file.header).toEqual({ note: 'x' });
    expect(file.names()).toEqual(['bytes', 'ints', 'doubles', 'floats']);
    expect(file.read('ints')).toEqual(ints);
    expect(file.read('floats')).toEqual(floats);
    expect(file.read('bytes')).toEqual(bytes);
    expect(file.readRange('doubles', 100, 140)).toEqual(doubles.subarray(100, 140));
    expect(file.readRange('ints', 1000, 1001)).toEqual(Int32Array.of(ints[1000]!));
    expect(file.readRange('ints', 5, 5)).toEqual(new Int32Array(0));
    expect(() => file.readRange('ints', 3, 1002)).toThrow(RangeError);
    expect(() => file.read('missing')).toThrow(/lacks missing/);
    // Cut short after opening: a read sees the size change rather than serving another file's bytes.
    truncateSync(path, 200);
    expect(() => file.read('doubles')).toThrow(/changed/);
    expect(() => ModelFile.open(path)).toThrow(/truncated/);
    writeFileSync(path, 'not a model file at all');
    expect(() => ModelFile.open(path)).toThrow(/not a model file/);
  });
});
