import { describe, expect, it } from 'vitest';
import { createAlsEngine, K_MAX_BYTES, woodburyPlan } from '../src-main/core/recommend/implicit/als-engine.ts';
import {
  cgCost,
  gram,
  inverseSpd,
  kernelRows,
  packedSize,
  popularityOrder,
  projectRows,
  ranksOf,
  RowSolver,
  woodburyCost,
  woodburyKernelCost,
  woodburyKernelLimit,
  woodburyLimit,
} from '../src-main/core/recommend/implicit/als-kernel.ts';
import { alsLoss, confidenceMinusOne, fitAls, initAls } from '../src-main/core/recommend/implicit/als.ts';
import { buildMatrix, logFromArrays } from '../src-main/core/recommend/implicit/interactions.ts';
import { Mt19937 } from '../src-main/core/recommend/random.ts';

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const diffNorm = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.sqrt(Array.from(a).reduce((s, x, k) => s + (x - b[k]!) ** 2, 0));

/** Customers in 30 taste groups of 20 items, 1–12 lines each, 10% noise: mostly short rows, some long items. */
function shopLog(seed: number, users: number) {
  const rng = new Mt19937(seed);
  const u: number[] = [];
  const i: number[] = [];
  for (let c = 0; c < users; c++) {
    const g = rng.interval(29);
    const lines = 1 + rng.interval(11);
    for (let t = 0; t < lines; t++) {
      u.push(c);
      i.push(rng.nextDouble() < 0.1 ? rng.interval(599) : g * 20 + Math.floor(20 * rng.nextDouble() ** 2));
    }
  }
  return logFromArrays(u, i);
}

describe('the Woodbury row solve', () => {
  it('orders K by popularity, most named first, ties by index', () => {
    const order = popularityOrder(Int32Array.from([3, 1, 3, 0, 1, 3]), 5);
    expect(Array.from(order)).toEqual([3, 1, 0, 2, 4]);
    expect(Array.from(ranksOf(order))).toEqual([2, 1, 3, 0, 4]);
  });

  it('matches the numpy reference solve of the closed form (Hu et al. eq. 4)', () => {
    /*
     * The same reference as tests/recommend-als.test.ts (numpy 2.4.6, float64):
     *   x = np.linalg.solve(Y.T @ np.diag(c) @ Y + lam * np.eye(3), Y.T @ (c * p)) with c = 1 + 40 r, λ = 0.05
     * → x = [0.7944459146657835, 0.2362434458240232, 4.174979579124998]. Y is exact in float32; Woodbury goes
     * through G⁻¹ and an n×n system, a different rounding path: tolerance 1e-9 relative.
     */
    const Y = Float32Array.from([
      0.5, -0.25, 0.125, 0.25, 0.75, -0.5, -0.375, 0.5, 0.25, 1.0, 0.125, 0.625, -0.5, -0.75, 0.375,
    ]);
    const xRef = [0.7944459146657835, 0.2362434458240232, 4.174979579124998];
    const cols = Int32Array.from([0, 2, 4]);
    const cm1 = confidenceMinusOne(Float64Array.from([2, 1, 3]), 40, 'linear');
    const G = gram(Y, 5, 3, 0.05);
    const Z = new Float64Array(15);
    projectRows(Y, 3, inverseSpd(G, 3), Z, 0, 5);
    const x = new Float64Array(3);
    new RowSolver(3, 3).woodbury(Z, Y, cols, cm1, 0, 3, x);
    expect(diffNorm(x, xRef) / norm(xRef)).toBeLessThan(1e-9);
    // Through K = Y G⁻¹ Yᵀ (looked up rather than formed per row): the same reference, same tolerance.
    const order = popularityOrder(cols, 5);
    const table = { K: new Float64Array(packedSize(5)), order, rank: ranksOf(order) };
    kernelRows(Y, Z, 3, table, 0, 5);
    const viaK = new Float64Array(3);
    new RowSolver(3, 3).woodburyKernel(table, Z, cols, cm1, 0, 3, viaK);
    expect(diffNorm(viaK, xRef) / norm(xRef)).toBeLessThan(1e-9);
  });

  it('equals the f×f Cholesky solve on random rows, and refuses a row longer than its buffers', () => {
    const f = 12;
    const rng = new Mt19937(4);
    const nItems = 80;
    const Y = Float32Array.from({ length: nItems * f }, () => rng.normal() / Math.sqrt(f));
    const G = gram(Y, nItems, f, 0.3);
    const Z = new Float64Array(nItems * f);
    projectRows(Y, f, inverseSpd(G, f), Z, 0, nItems);
    // Rows and columns of K in a shuffled order, in two blocks of rows as two threads' chunks would compute it.
    const order = Int32Array.from({ length: nItems }, (_, i) => (i * 37) % nItems);
    const table = { K: new Float64Array(packedSize(nItems)), order, rank: ranksOf(order) };
    kernelRows(Y, Z, f, table, 0, 37);
    kernelRows(Y, Z, f, table, 37, nItems);
    const solver = new RowSolver(f, 10);
    for (const cells of [0, 1, 4, 10]) {
      const picked = new Set<number>();
      while (picked.size < cells) picked.add(rng.interval(nItems - 1));
      const cols = Int32Array.from([...picked].sort((a, b) => a - b));
      const cm1 = confidenceMinusOne(
        Float64Array.from(cols, () => 1 + rng.interval(3)),
        25,
        'linear',
      );
      const exact = new Float64Array(f);
      const viaZ = new Float64Array(f);
      solver.exact(G, Y, cols, cm1, 0, cells, exact);
      solver.woodbury(Z, Y, cols, cm1, 0, cells, viaZ);
      const viaK = Float64Array.from({ length: f }, () => 9);
      solver.woodburyKernel(table, Z, cols, cm1, 0, cells, viaK);
      if (cells === 0) {
        expect(norm(viaZ)).toBe(0);
        expect(norm(viaK)).toBe(0);
      } else {
        expect(diffNorm(viaZ, exact) / norm(exact)).toBeLessThan(1e-10);
        expect(diffNorm(viaK, exact) / norm(exact)).toBeLessThan(1e-10);
      }
    }
    const long = Int32Array.from({ length: 11 }, (_, k) => k);
    expect(() => solver.woodbury(Z, Y, long, new Float64Array(11), 0, 11, new Float64Array(f))).toThrow(RangeError);
    const x = new Float64Array(f);
    expect(() => solver.woodburyKernel(table, Z, long, new Float64Array(11), 0, 11, x)).toThrow(RangeError);
  });

  it('CG on the gathered cells gives the in-place CG result to the bit', () => {
    const f = 16;
    const rng = new Mt19937(8);
    const nItems = 300;
    const Y = Float32Array.from({ length: nItems * f }, () => rng.normal() / Math.sqrt(f));
    const G = gram(Y, nItems, f, 0.2);
    const solver = new RowSolver(f);
    for (const cells of [1, 7, 90, 250]) {
      const picked = new Set<number>();
      while (picked.size < cells) picked.add(rng.interval(nItems - 1));
      const cols = Int32Array.from([...picked].sort((a, b) => a - b));
      const cm1 = confidenceMinusOne(
        Float64Array.from(cols, () => 1 + rng.interval(3)),
        25,
        'linear',
      );
      const start = Float64Array.from({ length: f }, () => 0.1 * rng.normal());
      const inPlace = Float64Array.from(start);
      const gathered = Float64Array.from(start);
      solver.cg(G, Y, cols, cm1, 0, cells, inPlace, 3);
      solver.cgGathered(G, Y, cols, cm1, 0, cells, gathered, 3);
      expect(Array.from(gathered)).toEqual(Array.from(inPlace));
      expect(Array.from(gathered)).not.toEqual(Array.from(start));
    }
  });

  it('auto takes Woodbury only where it costs less than CG, and only when Z (and K) pay for themselves', () => {
    const limit = woodburyLimit(64, 3);
    expect(woodburyCost(limit, 64)).toBeLessThan(cgCost(limit, 64, 3));
    expect(woodburyCost(limit + 1, 64)).toBeGreaterThanOrEqual(cgCost(limit + 1, 64, 3));
    const kLimit = woodburyKernelLimit(64, 3);
    expect(woodburyKernelCost(kLimit, 64)).toBeLessThan(cgCost(kLimit, 64, 3));
    expect(woodburyKernelCost(kLimit + 1, 64)).toBeGreaterThanOrEqual(cgCost(kLimit + 1, 64, 3));
    expect(kLimit).toBeGreaterThan(limit);
    // 2000 customers over 600 items: Z pays for itself, K (600² dot products of 64) not yet; at 8000 it does.
    const m = buildMatrix(shopLog(1, 2000));
    expect(woodburyPlan(m.byUser.indptr, m.nItems, 64, 'auto', 3)).toEqual({ limit, kernel: false });
    expect(woodburyPlan(m.byUser.indptr, m.nItems, 64, 'cg', 3)).toEqual({ limit: 0, kernel: false });
    const m8 = buildMatrix(shopLog(1, 8000));
    expect(woodburyPlan(m8.byUser.indptr, m8.nItems, 64, 'auto', 3)).toEqual({ limit: kLimit, kernel: true });
    // A fixed side too big for K in memory: Woodbury through Z alone.
    const big = Math.ceil(Math.sqrt((2 * K_MAX_BYTES) / 8)) + 1;
    const many = Int32Array.from({ length: 100_001 }, (_, u) => 5 * u);
    expect(woodburyPlan(many, big, 64, 'auto', 3)).toEqual({ limit, kernel: false });
    // One short row cannot pay for projecting 600 items.
    expect(woodburyPlan(Int32Array.from([0, 3]), 600, 64, 'auto', 3)).toEqual({ limit: 0, kernel: false });
  });
});

describe('fitting with auto and with two threads', () => {
  const options = { factors: 16, alpha: 10, regularization: 0.5, iterations: 6 };

  it('auto lowers the loss at every iteration and ends at or below CG alone', () => {
    const m = buildMatrix(shopLog(2, 1500));
    const losses: Record<string, number[]> = { auto: [], cg: [] };
    for (const solver of ['auto', 'cg'] as const) {
      fitAls(m, { ...options, solver }, { onIteration: (_d, _t, mo) => losses[solver]!.push(alsLoss(m, mo)) });
      const l = losses[solver]!;
      for (let t = 1; t < l.length; t++) expect(l[t]!).toBeLessThan(l[t - 1]! * (1 + 1e-6));
    }
    expect(losses.auto!.at(-1)!).toBeLessThanOrEqual(losses.cg!.at(-1)! * (1 + 1e-6));
  });

  it('one thread and two give bit-identical factors, with Woodbury and CG rows both present', () => {
    // 8000 customers: enough for K to pay for itself on the user side (the path under test).
    const m = buildMatrix(shopLog(3, 8000));
    const f = options.factors;
    // The fit under test really runs two threads and uses both solvers on the user side.
    const start = initAls(m.nUsers, m.nItems, f, 0);
    const cm = confidenceMinusOne(m.byUser.values, 10, 'linear');
    const cmItem = confidenceMinusOne(m.byItem.values, 10, 'linear');
    const o = { regularization: 0.5, solver: 'auto', cgSteps: 3 } as const;
    const engine = createAlsEngine(m, start.userFactors, start.itemFactors, cm, cmItem, f, { ...o, threads: 2 });
    try {
      expect(engine.threads).toBe(2);
      expect(engine.userFactors.buffer).toBeInstanceOf(SharedArrayBuffer);
    } finally {
      engine.close();
    }
    const plan = woodburyPlan(m.byUser.indptr, m.nItems, f, 'auto', 3);
    expect(plan.kernel).toBe(true);
    const limit = plan.limit;
    expect(limit).toBeGreaterThan(0);
    let longRows = 0;
    for (let u = 0; u < m.nUsers; u++) if (m.byUser.indptr[u + 1]! - m.byUser.indptr[u]! > limit) longRows++;
    const longItems = Array.from({ length: m.nItems }, (_, i) => m.byItem.indptr[i + 1]! - m.byItem.indptr[i]!);
    expect(longRows + longItems.filter((n) => n > limit).length).toBeGreaterThan(0);

    const one = fitAls(m, { ...options, threads: 1 });
    const two = fitAls(m, { ...options, threads: 2 });
    expect(Buffer.from(two.userFactors.buffer).equals(Buffer.from(one.userFactors.buffer))).toBe(true);
    expect(Buffer.from(two.itemFactors.buffer).equals(Buffer.from(one.itemFactors.buffer))).toBe(true);
    // And a fit that changes nothing between runs is not trivially so: another seed differs.
    const other = fitAls(m, { ...options, threads: 2, seed: 1 });
    expect(Buffer.from(other.itemFactors.buffer).equals(Buffer.from(one.itemFactors.buffer))).toBe(false);
  });

  it('a user half-step through K (two threads) equals the exact f×f solves', () => {
    const m = buildMatrix(shopLog(3, 8000));
    const f = options.factors;
    expect(woodburyPlan(m.byUser.indptr, m.nItems, f, 'auto', 3).kernel).toBe(true);
    const cm = confidenceMinusOne(m.byUser.values, 10, 'linear');
    const cmItem = confidenceMinusOne(m.byItem.values, 10, 'linear');
    const users = (solver: 'auto' | 'cholesky') => {
      const start = initAls(m.nUsers, m.nItems, f, 0);
      const o = { regularization: 0.5, solver, cgSteps: 3, threads: 2 } as const;
      const engine = createAlsEngine(m, start.userFactors, start.itemFactors, cm, cmItem, f, o);
      try {
        engine.halfStep(0);
        return Float32Array.from(engine.userFactors);
      } finally {
        engine.close();
      }
    };
    const viaK = users('auto');
    const exact = users('cholesky');
    // Every user row is short (≤ 12 cells): all of them went through K. Float32 factors: 1e-5 relative.
    expect(diffNorm(viaK, exact) / norm(exact)).toBeLessThan(1e-5);
    expect(norm(exact)).toBeGreaterThan(0);
  });

  it('a cancel during a two-thread fit stops it and the next fit still runs on two threads', () => {
    const m = buildMatrix(shopLog(5, 3000));
    let checks = 0;
    expect(() =>
      fitAls(
        m,
        { ...options, threads: 2 },
        {
          checkCancelled: () => {
            if (++checks > 5) throw new Error('stop');
          },
        },
      ),
    ).toThrow('stop');
    const start = initAls(m.nUsers, m.nItems, options.factors, 0);
    const cm = confidenceMinusOne(m.byUser.values, 10, 'linear');
    const cmItem = confidenceMinusOne(m.byItem.values, 10, 'linear');
    const o = { regularization: 0.5, solver: 'auto', cgSteps: 3, threads: 2 } as const;
    const engine = createAlsEngine(m, start.userFactors, start.itemFactors, cm, cmItem, options.factors, o);
    expect(engine.threads).toBe(2);
    engine.close();
    const one = fitAls(m, { ...options, threads: 1, iterations: 2 });
    const two = fitAls(m, { ...options, threads: 2, iterations: 2 });
    expect(Buffer.from(two.userFactors.buffer).equals(Buffer.from(one.userFactors.buffer))).toBe(true);
  });

  it('threads outside 0..2 are a RangeError', () => {
    const m = buildMatrix(shopLog(6, 50));
    expect(() => fitAls(m, { threads: 3 })).toThrow(RangeError);
    expect(() => fitAls(m, { solver: 'lu' as never })).toThrow(RangeError);
  });
});
