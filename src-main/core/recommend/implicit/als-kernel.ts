/**
 * The numeric kernels of implicit ALS (als.ts), on flat typed arrays and without allocation per row, shared by
 * the fitting thread and its helper (als-worker.ts): the Gram matrix YᵀY + λI, the per-row solvers, and
 * `solveRows`, which re-solves a range of rows of X against the fixed side Y.
 *
 * Per row the system is (G + Σ_j d_j y_j y_jᵀ) x = Σ_j c_j y_j over the row's n cells (d = c − 1, G = YᵀY + λI).
 * Three solvers:
 *   cg        a few conjugate-gradient steps warm-started from the current x: (steps + 1)·(f² + 2nf) per row
 *   cholesky  the exact solution from the f×f system: n·f²/2 + f³/6 per row (checks, small data)
 *   woodbury  the exact solution through G⁻¹ (Sherman–Morrison–Woodbury) for a short row: with Z = Y G⁻¹
 *             computed once per half-step, only the row's n×n system is formed and factorised,
 *             ≈ n²f/2 + 3nf + n³/6 per row — a customer with 9 cells costs a quarter of 3 CG steps at f = 64
 *             and is solved exactly rather than approximately.
 *   woodburyKernel  the same exact solution when the fixed side is small (a shop's thousand products): with
 *             K = Y G⁻¹ Yᵀ computed once per half-step (KernelTable), the n×n system is looked up, not formed:
 *             ≈ 2n² + n³/6 + nf per row, cheaper than CG up to 57 cells at f = 64.
 * The 'auto' mode (the fit's default) takes a Woodbury solve for every row where it is cheaper than CG and CG for
 * the long rows (popular items, heavy buyers). A row's arithmetic depends only on its own cells, G, Z and K, never
 * on which thread or chunk solves it, so one thread and two give bit-identical factors.
 */

export type AlsSolver = 'auto' | 'cg' | 'cholesky';

/**
 * The most factors a gathered copy of a row's cells holds (16 MB of float32 per thread, grown only as far as the
 * longest row needs): longer rows run CG in place. A long row of the big side (an item bought by 17k of a million
 * customers) is read four times per CG solve; gathered once, the other passes stream through one block instead of
 * jumping through 256 MB of factors. (Four times this, to gather all but the top product of a 1M-customer shop,
 * saved nothing measurable and cost 120 MB.)
 */
export const GATHER_MAX_VALUES = 1 << 22;

/**
 * CG's per-cell work for two cells (rows o0 and o1 of Yv; o1 < 0: one): out += d0·y0 + d1·y1 with d = (c − 1)(y·v),
 * minus c with `minusB`. Two cells per pass over out halve its loads and stores, and four independent sums per
 * cell keep the multiply-adds from waiting on each other. multiply() and the gathered multiply both call it on the
 * same pairs, so they agree to the bit.
 */
function addCells(
  Yv: Float32Array,
  o0: number,
  cm0: number,
  o1: number,
  cm1: number,
  v: Float64Array,
  f: number,
  out: Float64Array,
  minusB: boolean,
): void {
  let a0 = 0;
  let a1 = 0;
  let b0 = 0;
  let b1 = 0;
  const f2 = f & ~1;
  if (o1 < 0) {
    let b = 0;
    for (; b < f2; b += 2) {
      a0 += Yv[o0 + b]! * v[b]!;
      a1 += Yv[o0 + b + 1]! * v[b + 1]!;
    }
    if (b < f) a0 += Yv[o0 + b]! * v[b]!;
    const d = minusB ? cm0 * (a0 + a1) - (1 + cm0) : cm0 * (a0 + a1);
    for (b = 0; b < f; b++) out[b]! += d * Yv[o0 + b]!;
    return;
  }
  let b = 0;
  for (; b < f2; b += 2) {
    const v0 = v[b]!;
    const v1 = v[b + 1]!;
    a0 += Yv[o0 + b]! * v0;
    a1 += Yv[o0 + b + 1]! * v1;
    b0 += Yv[o1 + b]! * v0;
    b1 += Yv[o1 + b + 1]! * v1;
  }
  if (b < f) {
    a0 += Yv[o0 + b]! * v[b]!;
    b0 += Yv[o1 + b]! * v[b]!;
  }
  const d0 = minusB ? cm0 * (a0 + a1) - (1 + cm0) : cm0 * (a0 + a1);
  const d1 = minusB ? cm1 * (b0 + b1) - (1 + cm1) : cm1 * (b0 + b1);
  for (b = 0; b < f; b++) out[b]! += d0 * Yv[o0 + b]! + d1 * Yv[o1 + b]!;
}

/** Σ a[ao + i]·b[bo + i] for i < f in four interleaved sums (the multiply-adds overlap), the tail in the first. */
export function dot64(a: Float64Array, ao: number, b: Float64Array, bo: number, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const f4 = f & ~3;
  let i = 0;
  for (; i < f4; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < f; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + s2 + s3;
}

/** dot64 with float32 factors on the left (a separate function keeps each call site's array types fixed). */
export function dot32(a: Float32Array, ao: number, b: Float64Array, bo: number, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const f4 = f & ~3;
  let i = 0;
  for (; i < f4; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < f; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + s2 + s3;
}

/** FᵀF (f×f, doubles) of n rows of f factors, plus λ on the diagonal. */
export function gram(
  F: Float32Array,
  n: number,
  f: number,
  lambda: number,
  out: Float64Array = new Float64Array(f * f),
): Float64Array {
  out.fill(0);
  for (let r = 0; r < n; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const va = F[o + a]!;
      if (va === 0) continue;
      const row = a * f;
      for (let b = a; b < f; b++) out[row + b]! += va * F[o + b]!;
    }
  }
  for (let a = 0; a < f; a++) {
    out[a * f + a]! += lambda;
    for (let b = a + 1; b < f; b++) out[b * f + a] = out[a * f + b]!;
  }
  return out;
}

/**
 * Solves one row's system against the fixed side Y, with buffers reused across rows.
 * A row's cells are cols[from..to) with c − 1 in cm1[from..to); G = YᵀY + λI.
 */
export class RowSolver {
  readonly f: number;
  private readonly r: Float64Array;
  private readonly p: Float64Array;
  private readonly ap: Float64Array;
  private readonly a: Float64Array;
  /** The longest row `woodbury` takes, and its n×n buffers. */
  readonly woodburyMax: number;
  private readonly k: Float64Array;
  private readonly s: Float64Array;
  private readonly t: Float64Array;
  private readonly sol: Float64Array;
  private readonly sd: Float64Array;
  /** The row's cells' ranks in a KernelTable. */
  private readonly rk: Int32Array;
  /** The row's cells side by side (its Y rows as they are, float32; for Woodbury its Z rows) and their c − 1. */
  private yl = new Float32Array(0);
  private zl: Float64Array;
  private cl = new Float64Array(0);

  constructor(f: number, woodburyMax = 0) {
    this.f = f;
    this.r = new Float64Array(f);
    this.p = new Float64Array(f);
    this.ap = new Float64Array(f);
    this.a = new Float64Array(f * f);
    this.woodburyMax = woodburyMax;
    this.k = new Float64Array(woodburyMax * woodburyMax);
    this.s = new Float64Array(woodburyMax * woodburyMax);
    this.t = new Float64Array(woodburyMax);
    this.sol = new Float64Array(woodburyMax);
    this.sd = new Float64Array(woodburyMax);
    this.rk = new Int32Array(woodburyMax);
    this.zl = new Float64Array(woodburyMax * f);
  }

  /** The longest row cgGathered gathers. */
  private gatherRows(): number {
    return Math.max(this.woodburyMax, Math.floor(GATHER_MAX_VALUES / this.f));
  }

  /** Copies the Y rows of the row's cells side by side into yl and their c − 1 into cl. */
  private gather(Y: Float32Array, cols: Int32Array, cm1: Float64Array, from: number, to: number): void {
    const f = this.f;
    const n = to - from;
    if (this.yl.length < n * f) {
      const rows = Math.min(this.gatherRows(), Math.max(n, 64, (2 * this.yl.length) / f));
      this.yl = new Float32Array(rows * f);
      this.cl = new Float64Array(rows);
    }
    const { yl, cl } = this;
    for (let j = 0; j < n; j++) {
      const o = cols[from + j]! * f;
      const lo = j * f;
      for (let b = 0; b < f; b++) yl[lo + b] = Y[o + b]!;
      cl[j] = cm1[from + j]!;
    }
  }

  /** multiply() on the gathered cells yl/cl (n of them): the same sums in the same order. */
  private multiplyGathered(G: Float64Array, n: number, v: Float64Array, out: Float64Array, minusB: boolean): void {
    const f = this.f;
    const { yl, cl } = this;
    for (let a = 0; a < f; a++) out[a] = dot64(G, a * f, v, 0, f);
    let j = 0;
    for (; j + 1 < n; j += 2) addCells(yl, j * f, cl[j]!, (j + 1) * f, cl[j + 1]!, v, f, out, minusB);
    if (j < n) addCells(yl, j * f, cl[j]!, -1, 0, v, f, out, minusB);
  }

  /**
   * cg() with the row's cells gathered first: the four passes over them read one contiguous block of doubles
   * instead of scattered rows. Same arithmetic in the same order, so the same x to the bit; a row longer than
   * the gather buffer's limit runs cg() in place.
   */
  cgGathered(
    G: Float64Array,
    Y: Float32Array,
    cols: Int32Array,
    cm1: Float64Array,
    from: number,
    to: number,
    x: Float64Array,
    steps: number,
  ): void {
    const n = to - from;
    if (n > this.gatherRows()) {
      this.cg(G, Y, cols, cm1, from, to, x, steps);
      return;
    }
    this.gather(Y, cols, cm1, from, to);
    const { f, r, p, ap } = this;
    this.multiplyGathered(G, n, x, r, true);
    for (let a = 0; a < f; a++) r[a] = -r[a]!;
    let rs = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a]!;
      rs += r[a]! * r[a]!;
    }
    for (let it = 0; it < steps; it++) {
      if (rs < 1e-20) return;
      this.multiplyGathered(G, n, p, ap, false);
      let pap = 0;
      for (let a = 0; a < f; a++) pap += p[a]! * ap[a]!;
      if (!(pap > 0)) return;
      const step = rs / pap;
      let rsNew = 0;
      for (let a = 0; a < f; a++) {
        x[a]! += step * p[a]!;
        r[a]! -= step * ap[a]!;
        rsNew += r[a]! * r[a]!;
      }
      const beta = rsNew / rs;
      for (let a = 0; a < f; a++) p[a] = r[a]! + beta * p[a]!;
      rs = rsNew;
    }
  }

  /**
   * out = (G + Σ (c−1) y yᵀ) v over the row's cells, minus b = Σ c y with `minusB` (the residual's negative in the
   * same pass over the cells).
   */
  private multiply(
    G: Float64Array,
    Y: Float32Array,
    cols: Int32Array,
    cm1: Float64Array,
    from: number,
    to: number,
    v: Float64Array,
    out: Float64Array,
    minusB: boolean,
  ): void {
    const f = this.f;
    // G v is f² of the row's work: four independent sums let the CPU overlap the multiply-adds.
    for (let a = 0; a < f; a++) out[a] = dot64(G, a * f, v, 0, f);
    let q = from;
    for (; q + 1 < to; q += 2) addCells(Y, cols[q]! * f, cm1[q]!, cols[q + 1]! * f, cm1[q + 1]!, v, f, out, minusB);
    if (q < to) addCells(Y, cols[q]! * f, cm1[q]!, -1, 0, v, f, out, minusB);
  }

  /**
   * `steps` conjugate-gradient steps on the row's system from the current x (updated in place).
   * Each step lowers the row's quadratic loss, so a half-step never raises L.
   */
  cg(
    G: Float64Array,
    Y: Float32Array,
    cols: Int32Array,
    cm1: Float64Array,
    from: number,
    to: number,
    x: Float64Array,
    steps: number,
  ): void {
    const { f, r, p, ap } = this;
    // r = b − A x with b = Σ c y (p = 1 on the row's cells, 0 elsewhere).
    this.multiply(G, Y, cols, cm1, from, to, x, r, true);
    for (let a = 0; a < f; a++) r[a] = -r[a]!;
    let rs = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a]!;
      rs += r[a]! * r[a]!;
    }
    for (let it = 0; it < steps; it++) {
      // An exact zero residual: done (the step size below would be 0/0).
      if (rs < 1e-20) return;
      this.multiply(G, Y, cols, cm1, from, to, p, ap, false);
      let pap = 0;
      for (let a = 0; a < f; a++) pap += p[a]! * ap[a]!;
      if (!(pap > 0)) return;
      const step = rs / pap;
      let rsNew = 0;
      for (let a = 0; a < f; a++) {
        x[a]! += step * p[a]!;
        r[a]! -= step * ap[a]!;
        rsNew += r[a]! * r[a]!;
      }
      const beta = rsNew / rs;
      for (let a = 0; a < f; a++) p[a] = r[a]! + beta * p[a]!;
      rs = rsNew;
    }
  }

  /**
   * The exact solution through Z = Y G⁻¹ (Woodbury): with U = D^½ Y_u,
   * (G + UᵀU)⁻¹ = G⁻¹ − G⁻¹Uᵀ (I + U G⁻¹ Uᵀ)⁻¹ U G⁻¹, so x = w − Σ_j √d_j s_j z_j where w = Σ_j c_j z_j and
   * s solves (I + D^½ K D^½) s = D^½ K c with K_jk = y_j·z_k (n×n). The row must fit the solver's woodburyMax.
   */
  woodbury(
    Z: Float64Array,
    Y: Float32Array,
    cols: Int32Array,
    cm1: Float64Array,
    from: number,
    to: number,
    x: Float64Array,
  ): void {
    const f = this.f;
    const n = to - from;
    if (n > this.woodburyMax) throw new RangeError(`row of ${n} cells is longer than the Woodbury buffers`);
    this.gather(Y, cols, cm1, from, to);
    const { k: K, s: S, t, sol, sd, yl, zl, cl } = this;
    for (let j = 0; j < n; j++) {
      const zo = cols[from + j]! * f;
      const lo = j * f;
      for (let a = 0; a < f; a++) zl[lo + a] = Z[zo + a]!;
    }
    x.fill(0);
    for (let j = 0; j < n; j++) {
      const c = 1 + cl[j]!;
      sd[j] = Math.sqrt(cl[j]!);
      const zo = j * f;
      for (let a = 0; a < f; a++) x[a]! += c * zl[zo + a]!;
    }
    for (let j = 0; j < n; j++) {
      const yo = j * f;
      for (let k = 0; k <= j; k++) {
        const zo = k * f;
        let s0 = 0;
        let s1 = 0;
        let a = 0;
        for (; a + 1 < f; a += 2) {
          s0 += yl[yo + a]! * zl[zo + a]!;
          s1 += yl[yo + a + 1]! * zl[zo + a + 1]!;
        }
        if (a < f) s0 += yl[yo + a]! * zl[zo + a]!;
        K[j * n + k] = s0 + s1;
        K[k * n + j] = s0 + s1;
      }
    }
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += K[j * n + k]! * (1 + cl[k]!);
      t[j] = sd[j]! * s;
      for (let k = 0; k <= j; k++) S[j * n + k] = (j === k ? 1 : 0) + sd[j]! * sd[k]! * K[j * n + k]!;
    }
    choleskySolve(S, n, t, sol);
    for (let j = 0; j < n; j++) {
      const w = sd[j]! * sol[j]!;
      if (w === 0) continue;
      const zo = j * f;
      for (let a = 0; a < f; a++) x[a]! -= w * zl[zo + a]!;
    }
  }

  /**
   * woodbury() with K = Y G⁻¹ Yᵀ of the whole (small) fixed side given (KernelTable): the row's n×n
   * system is looked up instead of formed from n² dot products of f, and x = Σ_j (c_j − √d_j s_j) z_j takes one
   * pass over the row's Z rows. ≈ 2n² + n³/6 + nf per row, against ≈ n²f/2 for woodbury(), so it pays on rows
   * up to 57 cells at f = 64 (cheaper than CG there) where woodbury() stops at 26.
   */
  woodburyKernel(
    table: KernelTable,
    Z: Float64Array,
    cols: Int32Array,
    cm1: Float64Array,
    from: number,
    to: number,
    x: Float64Array,
  ): void {
    const f = this.f;
    const n = to - from;
    if (n > this.woodburyMax) throw new RangeError(`row of ${n} cells is longer than the Woodbury buffers`);
    const { s: S, t, sol, sd, rk } = this;
    const { K, rank } = table;
    for (let j = 0; j < n; j++) {
      sd[j] = Math.sqrt(cm1[from + j]!);
      t[j] = 0;
      rk[j] = rank[cols[from + j]!]!;
    }
    // S = I + D^½ K D^½ (lower triangle) and t = D^½ K c, from K's packed lower triangle (entry hi, lo ≤ hi).
    for (let j = 0; j < n; j++) {
      const rj = rk[j]!;
      const sj = sd[j]!;
      const oj = j * n;
      for (let k = 0; k < j; k++) {
        const rkk = rk[k]!;
        const kjk = rj >= rkk ? K[((rj * (rj + 1)) >>> 1) + rkk]! : K[((rkk * (rkk + 1)) >>> 1) + rj]!;
        S[oj + k] = sj * sd[k]! * kjk;
        t[j]! += kjk * (1 + cm1[from + k]!);
        t[k]! += kjk * (1 + cm1[from + j]!);
      }
      const kjj = K[((rj * (rj + 1)) >>> 1) + rj]!;
      S[oj + j] = 1 + sj * sj * kjj;
      t[j]! += kjj * (1 + cm1[from + j]!);
    }
    for (let j = 0; j < n; j++) t[j] = sd[j]! * t[j]!;
    choleskySolve(S, n, t, sol);
    x.fill(0);
    for (let j = 0; j < n; j++) {
      const w = 1 + cm1[from + j]! - sd[j]! * sol[j]!;
      const zo = cols[from + j]! * f;
      for (let a = 0; a < f; a++) x[a]! += w * Z[zo + a]!;
    }
  }

  /** The exact solution by Cholesky of the f×f system into x. */
  exact(
    G: Float64Array,
    Y: Float32Array,
    cols: Int32Array,
    cm1: Float64Array,
    from: number,
    to: number,
    x: Float64Array,
  ): void {
    const { f, a: A, r: bvec } = this;
    A.set(G);
    bvec.fill(0);
    for (let q = from; q < to; q++) {
      const o = cols[q]! * f;
      const w = cm1[q]!;
      for (let i = 0; i < f; i++) {
        const yi = Y[o + i]!;
        bvec[i]! += (1 + w) * yi;
        const wyi = w * yi;
        const row = i * f;
        for (let j = 0; j <= i; j++) A[row + j]! += wyi * Y[o + j]!;
      }
    }
    choleskySolve(A, f, bvec, x);
  }
}

/**
 * Solves A x = b for a symmetric positive definite A (only its lower triangle is read;
 * A is overwritten by its Cholesky factor L). A not positive definite is an error.
 */
export function choleskySolve(A: Float64Array, n: number, b: Float64Array, x: Float64Array): void {
  choleskyFactor(A, n);
  choleskySubstitute(A, n, b, x);
}

/** A (lower triangle read) → its Cholesky factor L in place. */
export function choleskyFactor(A: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = A[rj + j]!;
    for (let k = 0; k < j; k++) d -= A[rj + k]! * A[rj + k]!;
    if (!(d > 0)) throw new RangeError('system is not positive definite (regularization 0 on too little data?)');
    const ljj = Math.sqrt(d);
    A[rj + j] = ljj;
    // Two sums per dot product: the n³/6 multiply-adds here are most of a short row's Woodbury solve.
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s0 = A[ri + j]!;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < j; k += 2) {
        s0 -= A[ri + k]! * A[rj + k]!;
        s1 -= A[ri + k + 1]! * A[rj + k + 1]!;
      }
      if (k < j) s0 -= A[ri + k]! * A[rj + k]!;
      A[ri + j] = (s0 + s1) / ljj;
    }
  }
}

/** x = (L Lᵀ)⁻¹ b for a factor from choleskyFactor: L z = b, then Lᵀ x = z. */
export function choleskySubstitute(A: Float64Array, n: number, b: Float64Array, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= A[ri + k]! * x[k]!;
    x[i] = s / A[ri + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= A[k * n + i]! * x[k]!;
    x[i] = s / A[i * n + i]!;
  }
}

/**
 * The upper triangle of Σ F_rᵀF_r over rows from..to into out (f×f, overwritten): one chunk's share of the Gram
 * matrix. Chunks are added in chunk order (addGramChunks), so the result never depends on which thread ran which.
 */
export function gramChunk(F: Float32Array, f: number, from: number, to: number, out: Float64Array): void {
  out.fill(0);
  for (let r = from; r < to; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const va = F[o + a]!;
      if (va === 0) continue;
      const row = a * f;
      for (let b = a; b < f; b++) out[row + b]! += va * F[o + b]!;
    }
  }
}

/** G = Σ of the chunks' upper triangles in chunk order, + λ on the diagonal, mirrored to the lower triangle. */
export function addGramChunks(
  partials: Float64Array,
  chunks: number,
  f: number,
  lambda: number,
  G: Float64Array,
): void {
  G.fill(0);
  const ff = f * f;
  for (let c = 0; c < chunks; c++) {
    const base = c * ff;
    for (let a = 0; a < f; a++) {
      const row = a * f;
      for (let b = a; b < f; b++) G[row + b]! += partials[base + row + b]!;
    }
  }
  for (let a = 0; a < f; a++) {
    G[a * f + a]! += lambda;
    for (let b = a + 1; b < f; b++) G[b * f + a] = G[a * f + b]!;
  }
}

/** Mult-adds of CG on a row with n cells (what `auto` compares against). */
export function cgCost(n: number, f: number, steps: number): number {
  return (steps + 1) * (f * f + 2 * n * f);
}

/** Mult-adds of the Woodbury solve of a row with n cells. */
export function woodburyCost(n: number, f: number): number {
  return ((n * (n + 1)) / 2) * f + 3 * n * f + (n * n * n) / 6;
}

/** The longest row `auto` solves by Woodbury: beyond it CG is cheaper (26 at f = 64 with 3 steps). */
export function woodburyLimit(f: number, steps: number): number {
  let n = 0;
  while (n < 1024 && woodburyCost(n + 1, f) < cgCost(n + 1, f, steps)) n++;
  return n;
}

/** Mult-adds (and look-ups) of woodburyKernel on a row with n cells. */
export function woodburyKernelCost(n: number, f: number): number {
  return 2 * n * n + (n * n * n) / 6 + n * f;
}

/** The longest row woodburyKernel should take: beyond it CG is cheaper (57 at f = 64 with 3 steps). */
export function woodburyKernelLimit(f: number, steps: number): number {
  let n = 0;
  while (n < 1024 && woodburyKernelCost(n + 1, f) < cgCost(n + 1, f, steps)) n++;
  return n;
}

/**
 * K = Y G⁻¹ Yᵀ = Y Zᵀ of a small fixed side (a shop's thousand products): a few MB that replace the n² dot products
 * of f each short row's Woodbury solve would form. Symmetric, so stored as a packed lower triangle, entry (i, j ≤ i)
 * at i(i+1)/2 + j, with rows and columns in order of popularity: the pairs most rows look up sit together at the
 * start, in cache, instead of anywhere in megabytes.
 */
export interface KernelTable {
  K: Float64Array;
  /** Fixed index → its row and column in K, and back. */
  rank: Int32Array;
  order: Int32Array;
}

/** Doubles in a packed lower triangle of n rows. */
export const packedSize = (n: number): number => (n * (n + 1)) / 2;

/** Fixed indices by how many of the solved side's cells name them, most first (ties by index): KernelTable.order. */
export function popularityOrder(cols: Int32Array, nFixed: number): Int32Array {
  const count = new Int32Array(nFixed);
  for (let q = 0; q < cols.length; q++) count[cols[q]!]!++;
  return Int32Array.from({ length: nFixed }, (_, i) => i).sort((a, b) => count[b]! - count[a]! || a - b);
}

/** KernelTable.rank from its order. */
export function ranksOf(order: Int32Array, rank: Int32Array = new Int32Array(order.length)): Int32Array {
  for (let r = 0; r < order.length; r++) rank[order[r]!] = r;
  return rank;
}

/** Rows from..to (ranks) of the table's K from Y and Z = Y G⁻¹. */
export function kernelRows(
  Y: Float32Array,
  Z: Float64Array,
  f: number,
  table: KernelTable,
  from: number,
  to: number,
): void {
  const { K, order } = table;
  for (let i = from; i < to; i++) {
    const yo = order[i]! * f;
    const ko = (i * (i + 1)) / 2;
    for (let j = 0; j <= i; j++) {
      K[ko + j] = dot32(Y, yo, Z, order[j]! * f, f);
    }
  }
}

/** G⁻¹ of a symmetric positive definite f×f matrix (Cholesky, then one solve per unit vector). */
export function inverseSpd(G: Float64Array, f: number, out: Float64Array = new Float64Array(f * f)): Float64Array {
  const L = Float64Array.from(G);
  choleskyFactor(L, f);
  const e = new Float64Array(f);
  const col = new Float64Array(f);
  for (let j = 0; j < f; j++) {
    e.fill(0);
    e[j] = 1;
    choleskySubstitute(L, f, e, col);
    for (let i = 0; i < f; i++) out[i * f + j] = col[i]!;
  }
  // Symmetric in exact arithmetic: average the two halves so Z's rows see one matrix.
  for (let i = 0; i < f; i++) {
    for (let j = i + 1; j < f; j++) {
      const v = 0.5 * (out[i * f + j]! + out[j * f + i]!);
      out[i * f + j] = v;
      out[j * f + i] = v;
    }
  }
  return out;
}

/** Z = Y G⁻¹ (rows of Y each multiplied by the symmetric G⁻¹), rows from..to of nY. */
export function projectRows(
  Y: Float32Array,
  f: number,
  Ginv: Float64Array,
  Z: Float64Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    const o = i * f;
    for (let a = 0; a < f; a++) {
      const row = a * f;
      let s = 0;
      for (let b = 0; b < f; b++) s += Ginv[row + b]! * Y[o + b]!;
      Z[o + a] = s;
    }
  }
}

/** Everything one half-step's rows are solved from. */
export interface HalfStepData {
  /** The side being solved (rows × f, updated in place) and the fixed side. */
  X: Float32Array;
  Y: Float32Array;
  f: number;
  /** CSR of X's rows: cells cols[indptr[u]..indptr[u+1]) with c − 1 in cm1. */
  indptr: Int32Array;
  cols: Int32Array;
  cm1: Float64Array;
  /** YᵀY + λI. */
  G: Float64Array;
  /** Y G⁻¹ when Woodbury rows are solved this half-step, else null. */
  Z: Float64Array | null;
  /** Y G⁻¹ Yᵀ when the short rows take woodburyKernel, else null (needs Z). */
  kernel: KernelTable | null;
  solver: AlsSolver;
  cgSteps: number;
  /** Rows with at most this many cells go to Woodbury (with Z). */
  woodburyMax: number;
}

/** Re-solves rows u0..u1 of X against Y; the solver's buffers are reused from row to row. */
export function solveRows(d: HalfStepData, solver: RowSolver, x: Float64Array, u0: number, u1: number): void {
  const { X, Y, f, indptr, cols, cm1, G, Z, kernel } = d;
  for (let u = u0; u < u1; u++) {
    const from = indptr[u]!;
    const to = indptr[u + 1]!;
    const base = u * f;
    if (d.solver === 'cholesky') solver.exact(G, Y, cols, cm1, from, to, x);
    else if (Z !== null && kernel !== null && to - from <= d.woodburyMax) {
      solver.woodburyKernel(kernel, Z, cols, cm1, from, to, x);
    } else if (Z !== null && to - from <= d.woodburyMax) solver.woodbury(Z, Y, cols, cm1, from, to, x);
    else {
      for (let a = 0; a < f; a++) x[a] = X[base + a]!;
      solver.cgGathered(G, Y, cols, cm1, from, to, x, d.cgSteps);
    }
    for (let a = 0; a < f; a++) X[base + a] = x[a]!;
  }
}
