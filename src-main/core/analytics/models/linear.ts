/**
 * Linear regression: ordinary least squares with standard errors, ridge and
 * lasso. X is row-major n × d (Float64Array); every model fits an unpenalized
 * intercept by centering, as scikit-learn does, so the numbers match
 * LinearRegression, Ridge(alpha) and Lasso(alpha, tol, max_iter).
 */

export interface LinearModel {
  intercept: number;
  coef: Float64Array;
}

export interface OlsResult extends LinearModel {
  /** Standard errors of the intercept and of each coefficient (NaN when n ≤ d + 1). */
  interceptSe: number;
  se: Float64Array;
  t: Float64Array;
  interceptT: number;
  /** Residual variance RSS / (n − d − 1). */
  sigma2: number;
  r2: number;
  rss: number;
  dof: number;
}

export interface LassoResult extends LinearModel {
  iterations: number;
  /** Final duality gap (same scale as scikit-learn's, before dividing by n). */
  gap: number;
  converged: boolean;
}

function check(X: Float64Array, n: number, d: number, y: ArrayLike<number>): void {
  if (!(Number.isInteger(n) && Number.isInteger(d) && n > 0 && d > 0)) throw new RangeError('need n ≥ 1 rows, d ≥ 1');
  if (X.length !== n * d) throw new RangeError(`X has ${X.length} values, expected n × d = ${n * d}`);
  if (y.length !== n) throw new RangeError(`y has ${y.length} values, expected ${n}`);
}

/** Column means of X and the mean of y; the centered copies. */
function center(X: Float64Array, n: number, d: number, y: ArrayLike<number>) {
  const xMean = new Float64Array(d);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) xMean[j]! += X[i * d + j]!;
    yMean += y[i]!;
  }
  for (let j = 0; j < d; j++) xMean[j]! /= n;
  yMean /= n;
  const Xc = new Float64Array(n * d);
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) Xc[i * d + j] = X[i * d + j]! - xMean[j]!;
    yc[i] = y[i]! - yMean;
  }
  return { xMean, yMean, Xc, yc };
}

/** Predictions intercept + X w. */
export function predictLinear(model: LinearModel, X: Float64Array, n: number): Float64Array {
  const d = model.coef.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = model.intercept;
    for (let j = 0; j < d; j++) s += X[i * d + j]! * model.coef[j]!;
    out[i] = s;
  }
  return out;
}

function r2Of(y: ArrayLike<number>, yHat: Float64Array): { r2: number; rss: number } {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let rss = 0;
  let tss = 0;
  for (let i = 0; i < n; i++) {
    rss += (y[i]! - yHat[i]!) ** 2;
    tss += (y[i]! - mean) ** 2;
  }
  return { r2: tss > 0 ? 1 - rss / tss : rss === 0 ? 1 : 0, rss };
}

/**
 * OLS by Householder QR of the centered design (better conditioned than the
 * normal equations); standard errors from σ² (RᵀR)⁻¹, the intercept's from
 * σ²/n + x̄ᵀ Cov x̄ (centering makes it uncorrelated with nothing else).
 */
export function ols(X: Float64Array, n: number, d: number, y: ArrayLike<number>): OlsResult {
  check(X, n, d, y);
  if (n < d) throw new RangeError(`OLS needs at least as many rows (${n}) as features (${d})`);
  const { xMean, yMean, Xc, yc } = center(X, n, d, y);
  // Column-major copy so each Householder reflection walks contiguous memory.
  const A = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) A[j * n + i] = Xc[i * d + j]!;
  const b = Float64Array.from(yc);
  const R = new Float64Array(d * d);
  let scale = 0;
  for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(A[j * n + i]!));
  for (let k = 0; k < d; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += A[k * n + i]! ** 2;
    norm = Math.sqrt(norm);
    if (norm <= 1e-12 * Math.max(scale, 1) * Math.sqrt(n)) {
      throw new RangeError(`feature ${k} is constant or a linear combination of the others`);
    }
    const alpha = A[k * n + k]! > 0 ? -norm : norm;
    // v = a_k − alpha e_k, stored in place of column k below the diagonal.
    A[k * n + k]! -= alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += A[k * n + i]! ** 2;
    const apply = (col: Float64Array, off: number) => {
      let s = 0;
      for (let i = k; i < n; i++) s += A[k * n + i]! * col[off + i]!;
      const f = (2 * s) / vv;
      for (let i = k; i < n; i++) col[off + i]! -= f * A[k * n + i]!;
    };
    for (let j = k + 1; j < d; j++) apply(A, j * n);
    apply(b, 0);
    R[k * d + k] = alpha;
    for (let j = k + 1; j < d; j++) R[k * d + j] = A[j * n + k]!;
  }
  // Back-substitution R w = Qᵀy.
  const coef = new Float64Array(d);
  for (let k = d - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let j = k + 1; j < d; j++) s -= R[k * d + j]! * coef[j]!;
    coef[k] = s / R[k * d + k]!;
  }
  let intercept = yMean;
  for (let j = 0; j < d; j++) intercept -= xMean[j]! * coef[j]!;
  const model = { intercept, coef };
  const { r2, rss } = r2Of(y, predictLinear(model, X, n));
  const dof = n - d - 1;
  const sigma2 = dof > 0 ? rss / dof : NaN;
  // Rinv (upper triangular), then Cov = σ² Rinv Rinvᵀ.
  const Rinv = new Float64Array(d * d);
  for (let k = d - 1; k >= 0; k--) {
    Rinv[k * d + k] = 1 / R[k * d + k]!;
    for (let j = k + 1; j < d; j++) {
      let s = 0;
      for (let m = k + 1; m <= j; m++) s += R[k * d + m]! * Rinv[m * d + j]!;
      Rinv[k * d + j] = -s / R[k * d + k]!;
    }
  }
  const cov = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let c = a; c < d; c++) {
      let s = 0;
      for (let m = c; m < d; m++) s += Rinv[a * d + m]! * Rinv[c * d + m]!;
      cov[a * d + c] = s * sigma2;
      cov[c * d + a] = s * sigma2;
    }
  }
  const se = new Float64Array(d);
  const t = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    se[j] = Math.sqrt(cov[j * d + j]!);
    t[j] = coef[j]! / se[j]!;
  }
  let vInt = sigma2 / n;
  for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) vInt += xMean[a]! * cov[a * d + c]! * xMean[c]!;
  const interceptSe = Math.sqrt(vInt);
  return { intercept, coef, se, t, interceptSe, interceptT: intercept / interceptSe, sigma2, r2, rss, dof };
}

/** In-place Cholesky solve of the SPD system A x = b (A d × d row-major). */
function choleskySolve(A: Float64Array, b: Float64Array, d: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError('matrix is not positive definite (collinear features?)');
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / L[j * d + j]!;
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * d + k]! * z[k]!;
    z[i] = s / L[i * d + i]!;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < d; k++) s -= L[k * d + i]! * x[k]!;
    x[i] = s / L[i * d + i]!;
  }
  return x;
}

/** Ridge: minimizes ‖y − Xw − b‖² + alpha ‖w‖² (scikit-learn's Ridge; intercept not penalized). */
export function ridge(X: Float64Array, n: number, d: number, y: ArrayLike<number>, alpha: number): LinearModel {
  check(X, n, d, y);
  if (!(alpha >= 0 && Number.isFinite(alpha))) throw new RangeError('alpha must be ≥ 0');
  const { xMean, yMean, Xc, yc } = center(X, n, d, y);
  const G = new Float64Array(d * d);
  const r = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const xa = Xc[i * d + a]!;
      r[a]! += xa * yc[i]!;
      for (let c = a; c < d; c++) G[a * d + c]! += xa * Xc[i * d + c]!;
    }
  }
  for (let a = 0; a < d; a++) {
    G[a * d + a]! += alpha;
    for (let c = 0; c < a; c++) G[a * d + c] = G[c * d + a]!;
  }
  const coef = choleskySolve(G, r, d);
  let intercept = yMean;
  for (let j = 0; j < d; j++) intercept -= xMean[j]! * coef[j]!;
  return { intercept, coef };
}

export interface LassoOptions {
  /** scikit-learn's tol (default 1e-4): sweeps stop when the largest update is below tol × the largest weight and the duality gap is below tol × ‖y − ȳ‖². */
  tol?: number;
  maxIter?: number;
}

/**
 * Lasso by cyclic coordinate descent on (1/(2n)) ‖y − Xw − b‖² + alpha ‖w‖₁,
 * following scikit-learn's enet_coordinate_descent (same update order, the
 * same max-update and duality-gap stopping rule), so the iterates agree.
 */
export function lasso(
  X: Float64Array,
  n: number,
  d: number,
  y: ArrayLike<number>,
  alpha: number,
  options: LassoOptions = {},
): LassoResult {
  check(X, n, d, y);
  if (!(alpha >= 0 && Number.isFinite(alpha))) throw new RangeError('alpha must be ≥ 0');
  const maxIter = options.maxIter ?? 1000;
  const { xMean, yMean, Xc, yc } = center(X, n, d, y);
  // scikit-learn works on the unscaled objective: l1 = alpha · n, tol scaled by ‖y‖².
  const l1 = alpha * n;
  let yy = 0;
  for (let i = 0; i < n; i++) yy += yc[i]! ** 2;
  const tol = (options.tol ?? 1e-4) * yy;
  const dTol = options.tol ?? 1e-4;
  const colSq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) colSq[j]! += Xc[i * d + j]! ** 2;
  const w = new Float64Array(d);
  const R = Float64Array.from(yc);
  let gap = tol + 1;
  let iterations = 0;
  let converged = false;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    let wMax = 0;
    let dwMax = 0;
    for (let j = 0; j < d; j++) {
      if (colSq[j] === 0) continue;
      const wj = w[j]!;
      let tmp = 0;
      for (let i = 0; i < n; i++) tmp += Xc[i * d + j]! * R[i]!;
      tmp += wj * colSq[j]!;
      // Soft-thresholding, written out so a zeroed weight is +0, not −0.
      const nw = tmp > l1 ? (tmp - l1) / colSq[j]! : tmp < -l1 ? (tmp + l1) / colSq[j]! : 0;
      if (nw !== wj) for (let i = 0; i < n; i++) R[i]! -= (nw - wj) * Xc[i * d + j]!;
      w[j] = nw;
      dwMax = Math.max(dwMax, Math.abs(nw - wj));
      wMax = Math.max(wMax, Math.abs(nw));
    }
    if (wMax === 0 || dwMax / wMax < dTol || it === maxIter - 1) {
      gap = dualityGap(Xc, n, d, yc, R, w, l1);
      if (gap < tol) {
        converged = true;
        break;
      }
    }
  }
  let intercept = yMean;
  for (let j = 0; j < d; j++) intercept -= xMean[j]! * w[j]!;
  return { intercept, coef: w, iterations, gap, converged };
}

function dualityGap(
  X: Float64Array,
  n: number,
  d: number,
  y: Float64Array,
  R: Float64Array,
  w: Float64Array,
  l1: number,
): number {
  let dualNorm = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[i * d + j]! * R[i]!;
    dualNorm = Math.max(dualNorm, Math.abs(s));
  }
  let rr = 0;
  let ry = 0;
  for (let i = 0; i < n; i++) {
    rr += R[i]! ** 2;
    ry += R[i]! * y[i]!;
  }
  let gap: number;
  let c: number;
  if (dualNorm > l1) {
    c = l1 / dualNorm;
    gap = 0.5 * (rr + rr * c * c);
  } else {
    c = 1;
    gap = rr;
  }
  let l1Norm = 0;
  for (let j = 0; j < d; j++) l1Norm += Math.abs(w[j]!);
  return gap + l1 * l1Norm - c * ry;
}
