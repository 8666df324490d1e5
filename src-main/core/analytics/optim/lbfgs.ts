/**
 * Limited-memory BFGS minimizer with a strong-Wolfe line search (Nocedal &
 * Wright, Algorithms 7.4, 3.5 and 3.6). Small and dependency-free: the
 * customer-value models have 3–4 parameters, so the cost is all in the
 * objective. Deterministic: same start, same iterates.
 */

/** Writes ∇f(x) into grad and returns f(x); may return a non-finite value outside the domain. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Stored correction pairs (default 8). */
  memory?: number;
  maxIterations?: number;
  /** Stop when max |∇f| ≤ gradientTolerance (default 1e-9). */
  gradientTolerance?: number;
  /** Stop when an iteration lowers f by less than this, relative to max(|f|, 1) (default 1e-15). */
  relativeTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  message: string;
}

const C1 = 1e-4;
const C2 = 0.9;

export function minimizeLbfgs(f: Objective, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length;
  const m = options.memory ?? 8;
  const maxIter = options.maxIterations ?? 500;
  const gtol = options.gradientTolerance ?? 1e-9;
  const rtol = options.relativeTolerance ?? 1e-15;

  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let evaluations = 1;
  let fx = f(x, g);
  if (!Number.isFinite(fx)) throw new RangeError('objective is not finite at the starting point');

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alphaBuf = new Float64Array(m);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let iterations = 0;
  let message = 'maximum iterations reached';
  let converged = false;

  for (; iterations < maxIter; iterations++) {
    if (maxAbs(g) <= gtol) {
      converged = true;
      message = 'gradient below tolerance';
      break;
    }
    // Two-loop recursion: d = −H g.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = rho[j]! * dot(S[j]!, d);
      alphaBuf[j] = a;
      axpy(-a, Y[j]!, d);
    }
    if (k > 0) {
      const yk = Y[k - 1]!;
      const gamma = dot(S[k - 1]!, yk) / dot(yk, yk);
      for (let i = 0; i < n; i++) d[i]! *= gamma;
    } else {
      // First step: a unit-length move, the scale of the problem being unknown.
      const s = 1 / Math.max(1, Math.sqrt(dot(g, g)));
      for (let i = 0; i < n; i++) d[i]! *= s;
    }
    for (let j = 0; j < k; j++) {
      const b = rho[j]! * dot(Y[j]!, d);
      axpy(alphaBuf[j]! - b, S[j]!, d);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (lost curvature information): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = -dot(g, g);
    }

    const ls = lineSearch(f, x, fx, g, d, slope, xNew, gNew);
    evaluations += ls.evaluations;
    if (!ls.ok) {
      message = 'line search failed';
      converged = maxAbs(g) <= gtol * 1e3;
      break;
    }
    const fPrev = fx;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    x.set(xNew);
    g.set(gNew);
    fx = ls.value;
    const sy = dot(s, y);
    if (sy > 1e-300) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    if (fPrev - fx <= rtol * Math.max(Math.abs(fx), 1)) {
      iterations++;
      converged = maxAbs(g) <= Math.sqrt(gtol);
      message = 'objective stopped decreasing';
      break;
    }
  }
  return { x, value: fx, grad: g, iterations, evaluations, converged, message };
}

/** Strong-Wolfe line search along d; writes the accepted point and its gradient into xNew, gNew. */
function lineSearch(
  f: Objective,
  x: Float64Array,
  f0: number,
  g0: Float64Array,
  d: Float64Array,
  slope0: number,
  xNew: Float64Array,
  gNew: Float64Array,
): { ok: boolean; value: number; evaluations: number } {
  let evaluations = 0;
  const phi = (t: number): { v: number; dphi: number } => {
    for (let i = 0; i < x.length; i++) xNew[i] = x[i]! + t * d[i]!;
    evaluations++;
    const v = f(xNew, gNew);
    return { v, dphi: Number.isFinite(v) ? dot(gNew, d) : NaN };
  };
  let tPrev = 0;
  let fPrev = f0;
  let dPrev = slope0;
  let t = 1;
  for (let i = 0; i < 40; i++) {
    const { v, dphi } = phi(t);
    if (!Number.isFinite(v)) {
      // Left the domain (overflow): shrink toward the last good point.
      t = tPrev + (t - tPrev) * 0.1;
      continue;
    }
    if (v > f0 + C1 * t * slope0 || (i > 0 && v >= fPrev)) {
      return finish(zoom(tPrev, fPrev, dPrev, t, v, dphi));
    }
    if (Math.abs(dphi) <= -C2 * slope0) return { ok: true, value: v, evaluations };
    if (dphi >= 0) return finish(zoom(t, v, dphi, tPrev, fPrev, dPrev));
    tPrev = t;
    fPrev = v;
    dPrev = dphi;
    t *= 2;
  }
  return { ok: false, value: f0, evaluations };

  function finish(r: { ok: boolean; value: number }): { ok: boolean; value: number; evaluations: number } {
    return { ok: r.ok, value: r.value, evaluations };
  }

  // Zoom between lo (lowest value so far, satisfying sufficient decrease) and hi.
  function zoom(
    lo: number,
    fLo: number,
    dLo: number,
    hi: number,
    fHi: number,
    dHi: number,
  ): { ok: boolean; value: number } {
    for (let i = 0; i < 60; i++) {
      let t = cubicMin(lo, fLo, dLo, hi, fHi, dHi);
      const a = Math.min(lo, hi);
      const b = Math.max(lo, hi);
      // Keep the trial well inside the bracket, else bisect.
      if (!Number.isFinite(t) || t <= a + 0.1 * (b - a) || t >= b - 0.1 * (b - a)) t = 0.5 * (lo + hi);
      const { v, dphi } = phi(t);
      if (!Number.isFinite(v) || v > f0 + C1 * t * slope0 || v >= fLo) {
        hi = t;
        fHi = Number.isFinite(v) ? v : Infinity;
        dHi = dphi;
      } else {
        if (Math.abs(dphi) <= -C2 * slope0) return { ok: true, value: v };
        if (dphi * (hi - lo) >= 0) {
          hi = lo;
          fHi = fLo;
          dHi = dLo;
        }
        lo = t;
        fLo = v;
        dLo = dphi;
      }
      if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // Bracket collapsed: accept the best point if it lowered f at all.
    if (lo > 0 && fLo < f0) {
      const { v } = phi(lo);
      return { ok: true, value: v };
    }
    return { ok: false, value: f0 };
  }
}

/** Minimizer of the cubic through (a, fa, da) and (b, fb, db); NaN when undefined. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  if (!Number.isFinite(fb) || !Number.isFinite(db)) return NaN;
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (disc < 0) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += alpha * x[i]!;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * Hessian by central differences of an analytic gradient (step h per coordinate),
 * symmetrized. Used for standard errors at an optimum, not inside the optimizer.
 */
export function numericHessian(f: Objective, x: ArrayLike<number>, h = 1e-5): Float64Array[] {
  const n = x.length;
  const xp = Float64Array.from(x);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  const H: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const xi = xp[i]!;
    xp[i] = xi + h;
    f(xp, gp);
    xp[i] = xi - h;
    f(xp, gm);
    xp[i] = xi;
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) row[j] = (gp[j]! - gm[j]!) / (2 * h);
    H.push(row);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (H[i]![j]! + H[j]![i]!);
      H[i]![j] = v;
      H[j]![i] = v;
    }
  }
  return H;
}

/** Inverse of a small symmetric positive-definite matrix (Gauss–Jordan with partial pivoting). */
export function invert(A: Float64Array[]): Float64Array[] {
  const n = A.length;
  const M = A.map((row, i) => {
    const r = new Float64Array(2 * n);
    r.set(row);
    r[n + i] = 1;
    return r;
  });
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const pivot = M[c]![c]!;
    if (pivot === 0) throw new RangeError('singular matrix');
    const rowC = M[c]!;
    for (let j = 0; j < 2 * n; j++) rowC[j]! /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const rowR = M[r]!;
      const factor = rowR[c]!;
      if (factor === 0) continue;
      for (let j = 0; j < 2 * n; j++) rowR[j]! -= factor * rowC[j]!;
    }
  }
  return M.map((r) => r.slice(n));
}
