/**
 * k-means on a row-major n × d Float64Array, following scikit-learn's KMeans
 * (1.2+) so results can be checked against it: greedy k-means++ seeding
 * (2 + ⌊ln k⌋ local trials), `tol` relative to the mean per-column variance and
 * tested on the summed squared center shift, strict convergence when the
 * labels stop changing, a final assignment step when the loop stopped on tol,
 * and empty clusters relocated to the points farthest from their centers.
 *
 * Two interchangeable assignment strategies: Lloyd (all n·k distances every
 * iteration) and Hamerly's bounds, which skip points that provably keep their
 * center. Both sum the new centers in point order with the same arithmetic, so
 * they produce the same labels, centers and inertia.
 */
import { Rng } from '../../sample/rng.ts';

export type KmeansAlgorithm = 'lloyd' | 'hamerly' | 'auto';

export interface KmeansOptions {
  k: number;
  /** Starting centers (k × d row-major); when given, nInit is 1 and no seeding happens. */
  init?: Float64Array;
  /** Number of k-means++ restarts; the lowest inertia wins (default 10, 1 with `init`). */
  nInit?: number;
  /** Default 300. */
  maxIter?: number;
  /** Relative tolerance (default 1e-4): stop when Σ‖shift‖² ≤ tol · mean column variance. */
  tol?: number;
  seed?: number;
  /** Default 'auto': Hamerly when n·k is large, Lloyd otherwise (same results either way). */
  algorithm?: KmeansAlgorithm;
  /** Called after every iteration (e.g. to throw on cancellation). */
  onIteration?: (iteration: number) => void;
}

export interface KmeansResult {
  /** k × d row-major. */
  centers: Float64Array;
  labels: Int32Array;
  /** Sum of squared distances of the points to their centers. */
  inertia: number;
  /** Iterations of the best run. */
  iterations: number;
  /** Whether the best run stopped before maxIter (labels stable or shift ≤ tol). */
  converged: boolean;
  /** The absolute tolerance used: tol × mean column variance. */
  tolAbs: number;
  algorithm: 'lloyd' | 'hamerly';
  nInit: number;
}

/** Squared Euclidean distance between row i of X and row j of C (both d wide). */
export function sqDist(X: Float64Array, i: number, C: Float64Array, j: number, d: number): number {
  let s = 0;
  const a = i * d;
  const b = j * d;
  for (let t = 0; t < d; t++) {
    const e = X[a + t]! - C[b + t]!;
    s += e * e;
  }
  return s;
}

/** tol × the mean over columns of the population variance (sklearn's `_tolerance`). */
export function absoluteTolerance(X: Float64Array, n: number, d: number, tol: number): number {
  if (tol === 0 || n === 0) return 0;
  let total = 0;
  for (let t = 0; t < d; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[i * d + t]!;
    const mu = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const e = X[i * d + t]! - mu;
      ss += e * e;
    }
    total += ss / n;
  }
  return (total / d) * tol;
}

/**
 * Greedy k-means++ (sklearn's `_kmeans_plusplus`): the first center uniformly,
 * each next one the best of 2 + ⌊ln k⌋ candidates drawn proportionally to the
 * squared distance to the nearest chosen center, "best" meaning the lowest
 * resulting potential.
 */
export function kmeansPlusPlus(X: Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const centers = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  centers.set(X.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = sqDist(X, i, centers, 0, d);
    pot += closest[i]!;
  }
  const cum = new Float64Array(n);
  let best = new Float64Array(n);
  let cand = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i]!;
    let bestPot = Infinity;
    let bestId = 0;
    for (let t = 0; t < trials; t++) {
      const r = rng.float() * pot;
      // First index whose cumulative sum reaches r (numpy searchsorted, side='left').
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cum[mid]! < r) lo = mid + 1;
        else hi = mid;
      }
      const id = Math.min(lo, n - 1);
      let p = 0;
      for (let i = 0; i < n; i++) {
        const v = Math.min(closest[i]!, sqDist(X, i, X, id, d));
        cand[i] = v;
        p += v;
      }
      if (p < bestPot) {
        bestPot = p;
        bestId = id;
        [best, cand] = [cand, best];
      }
    }
    pot = bestPot;
    [closest, best] = [best, closest];
    centers.set(X.subarray(bestId * d, bestId * d + d), c * d);
  }
  return centers;
}

/** Shared per-run state: the sums the assignment step accumulates for the next centers. */
interface Step {
  sums: Float64Array;
  counts: Float64Array;
}

/**
 * Turns the accumulated sums into the new centers, relocating empty clusters
 * to the points farthest from their (old) centers as sklearn does, and
 * returns the squared center shifts.
 */
function updateCenters(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  labels: Int32Array,
  old: Float64Array,
  next: Float64Array,
  step: Step,
  shift: Float64Array,
): void {
  const { sums, counts } = step;
  let empty = 0;
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty++;
  if (empty > 0) {
    const dist = new Float64Array(n);
    for (let i = 0; i < n; i++) dist[i] = sqDist(X, i, old, labels[i]!, d);
    // Farthest first; ties by index so the choice is reproducible.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[b]! - dist[a]! || a - b);
    let o = 0;
    for (let j = 0; j < k; j++) {
      if (counts[j] !== 0) continue;
      const far = order[o++]!;
      const from = labels[far]!;
      for (let t = 0; t < d; t++) {
        sums[from * d + t]! -= X[far * d + t]!;
        sums[j * d + t] = X[far * d + t]!;
      }
      counts[from]!--;
      counts[j] = 1;
    }
  }
  for (let j = 0; j < k; j++) {
    const c = counts[j]!;
    let s = 0;
    for (let t = 0; t < d; t++) {
      // A cluster emptied by a relocation keeps its old center (sklearn divides by a zero weight only when > 0).
      const v = c > 0 ? sums[j * d + t]! / c : old[j * d + t]!;
      next[j * d + t] = v;
      const e = v - old[j * d + t]!;
      s += e * e;
    }
    shift[j] = s;
  }
}

/**
 * Nearest and second-nearest center of the point at offset a: out[0] = index
 * (first on ties), out[1] = its squared distance, out[2] = the second
 * smallest. Four centers share one pass over the coordinates so their four
 * independent sums run in parallel on the CPU; each sum still adds its terms
 * in coordinate order, so every distance is bit-identical to sqDist's.
 */
function nearestTwo(X: Float64Array, a: number, C: Float64Array, k: number, d: number, out: Float64Array): void {
  let best = 0;
  let bestD = Infinity;
  let second = Infinity;
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    const b0 = j * d;
    const b1 = b0 + d;
    const b2 = b1 + d;
    const b3 = b2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let t = 0; t < d; t++) {
      const x = X[a + t]!;
      const e0 = x - C[b0 + t]!;
      const e1 = x - C[b1 + t]!;
      const e2 = x - C[b2 + t]!;
      const e3 = x - C[b3 + t]!;
      s0 += e0 * e0;
      s1 += e1 * e1;
      s2 += e2 * e2;
      s3 += e3 * e3;
    }
    // In index order, strict <: the same winner and runner-up as one center at a time.
    if (s0 < bestD) {
      second = bestD;
      bestD = s0;
      best = j;
    } else if (s0 < second) second = s0;
    if (s1 < bestD) {
      second = bestD;
      bestD = s1;
      best = j + 1;
    } else if (s1 < second) second = s1;
    if (s2 < bestD) {
      second = bestD;
      bestD = s2;
      best = j + 2;
    } else if (s2 < second) second = s2;
    if (s3 < bestD) {
      second = bestD;
      bestD = s3;
      best = j + 3;
    } else if (s3 < second) second = s3;
  }
  for (; j < k; j++) {
    const b = j * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const e = X[a + t]! - C[b + t]!;
      s += e * e;
    }
    if (s < bestD) {
      second = bestD;
      bestD = s;
      best = j;
    } else if (s < second) second = s;
  }
  out[0] = best;
  out[1] = bestD;
  out[2] = second;
}

/** One Lloyd assignment: nearest center of every point (first on ties); accumulates sums. Returns labels changed. */
function assignLloyd(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  C: Float64Array,
  labels: Int32Array,
  step: Step | null,
): number {
  let changed = 0;
  const near = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const a = i * d;
    nearestTwo(X, a, C, k, d, near);
    const best = near[0]!;
    if (labels[i] !== best) {
      changed++;
      labels[i] = best;
    }
    if (step) {
      const o = best * d;
      for (let t = 0; t < d; t++) step.sums[o + t]! += X[a + t]!;
      step.counts[best]!++;
    }
  }
  return changed;
}

/** Hamerly's bounds: upper[i] ≥ dist to its center, lower[i] ≤ dist to any other center. */
interface Bounds {
  upper: Float64Array;
  lower: Float64Array;
  /** Half the distance from each center to its nearest other center. */
  half: Float64Array;
  /**
   * The loosening owed since the last assignment, per cluster: its center's
   * move (added to upper) and the largest move of any other center (taken off
   * lower). Applied as each point is visited, so the bounds are read and
   * written in one pass instead of two.
   */
  grow: Float64Array;
  shrink: Float64Array;
  moved: boolean;
}

// Relative slack on the bound tests: rounding in the bound updates must never
// let a point skip a distance check that Lloyd would decide differently.
const SLACK = 1 - 1e-9;

function assignHamerly(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  C: Float64Array,
  labels: Int32Array,
  step: Step | null,
  bounds: Bounds,
  first: boolean,
): number {
  const { upper, lower, half, grow, shrink } = bounds;
  const moved = bounds.moved && !first;
  bounds.moved = false;
  for (let j = 0; j < k; j++) {
    let m = Infinity;
    for (let o = 0; o < k; o++) if (o !== j) m = Math.min(m, sqDist(C, j, C, o, d));
    half[j] = 0.5 * Math.sqrt(m);
  }
  const sums = step ? step.sums : null;
  const counts = step ? step.counts : null;
  const near = new Float64Array(3);
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const a = i * d;
    let lab = labels[i]!;
    let u = Infinity;
    let l = 0;
    let scan = first;
    if (!first) {
      u = upper[i]!;
      l = lower[i]!;
      if (moved) {
        u += grow[lab]!;
        l -= shrink[lab]!;
      }
      const m = Math.max(half[lab]!, l) * SLACK;
      if (u > m) {
        // Tighten the upper bound to the exact distance (the same arithmetic as sqDist).
        const b = lab * d;
        let s = 0;
        for (let t = 0; t < d; t++) {
          const e = X[a + t]! - C[b + t]!;
          s += e * e;
        }
        u = Math.sqrt(s);
        scan = u > m;
      }
    }
    if (scan) {
      // Full scan, the same arithmetic and tie rule as Lloyd's.
      nearestTwo(X, a, C, k, d, near);
      const best = near[0]!;
      u = Math.sqrt(near[1]!);
      l = Math.sqrt(near[2]!);
      if (lab !== best) {
        changed++;
        labels[i] = lab = best;
      }
    }
    upper[i] = u;
    lower[i] = l;
    if (sums) {
      const o = lab * d;
      for (let t = 0; t < d; t++) sums[o + t]! += X[a + t]!;
      counts![lab]!++;
    }
  }
  return changed;
}

/** Records how far the centers moved (shift holds squared moves); the next assignment loosens the bounds by it. */
function moveBounds(k: number, shift: Float64Array, bounds: Bounds): void {
  // Largest and second-largest move: a point's lower bound drops by the largest move of a center other than its own.
  let r1 = -1;
  let m1 = 0;
  let m2 = 0;
  for (let j = 0; j < k; j++) {
    const p = Math.sqrt(shift[j]!);
    if (p > m1) {
      m2 = m1;
      m1 = p;
      r1 = j;
    } else if (p > m2) m2 = p;
  }
  for (let j = 0; j < k; j++) {
    bounds.grow[j] = Math.sqrt(shift[j]!);
    bounds.shrink[j] = j === r1 ? m2 : m1;
  }
  bounds.moved = true;
}

/** One k-means run from the given centers. */
export function kmeansSingle(
  X: Float64Array,
  n: number,
  d: number,
  init: Float64Array,
  opts: { maxIter: number; tolAbs: number; algorithm: 'lloyd' | 'hamerly'; onIteration?: (it: number) => void },
): { centers: Float64Array; labels: Int32Array; inertia: number; iterations: number; converged: boolean } {
  const k = init.length / d;
  let centers = Float64Array.from(init);
  let next = new Float64Array(k * d);
  const labels = new Int32Array(n).fill(-1);
  const step: Step = { sums: new Float64Array(k * d), counts: new Float64Array(k) };
  const shift = new Float64Array(k);
  const hamerly = opts.algorithm === 'hamerly';
  const bounds: Bounds = {
    upper: new Float64Array(hamerly ? n : 0),
    lower: new Float64Array(hamerly ? n : 0),
    half: new Float64Array(k),
    grow: new Float64Array(k),
    shrink: new Float64Array(k),
    moved: false,
  };
  let strict = false;
  let stoppedOnTol = false;
  let it = 0;
  for (; it < opts.maxIter; it++) {
    step.sums.fill(0);
    step.counts.fill(0);
    const changed = hamerly
      ? assignHamerly(X, n, d, k, centers, labels, step, bounds, it === 0)
      : assignLloyd(X, n, d, k, centers, labels, step);
    updateCenters(X, n, d, k, labels, centers, next, step, shift);
    [centers, next] = [next, centers];
    if (hamerly) moveBounds(k, shift, bounds);
    opts.onIteration?.(it);
    // The labels were computed from the previous centers; unchanged labels mean the new centers are a fixed point.
    if (it > 0 && changed === 0) {
      strict = true;
      break;
    }
    let tot = 0;
    for (let j = 0; j < k; j++) tot += shift[j]!;
    if (tot <= opts.tolAbs) {
      stoppedOnTol = true;
      break;
    }
  }
  // Stopped on tol or maxIter: one more assignment so the labels match the final centers.
  if (!strict) {
    if (hamerly) assignHamerly(X, n, d, k, centers, labels, null, bounds, false);
    else assignLloyd(X, n, d, k, centers, labels, null);
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sqDist(X, i, centers, labels[i]!, d);
  return {
    centers,
    labels,
    inertia,
    iterations: Math.min(it + 1, opts.maxIter),
    converged: strict || stoppedOnTol,
  };
}

/** k-means with k-means++ restarts (or one run from `init`); the run with the lowest inertia wins. */
export function kmeans(X: Float64Array, n: number, d: number, options: KmeansOptions): KmeansResult {
  const { k } = options;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError('k must be a positive whole number');
  if (n < k) throw new RangeError(`k-means needs at least k = ${k} points, got ${n}`);
  if (X.length !== n * d) throw new RangeError('X must hold n × d values');
  if (options.init && options.init.length !== k * d) throw new RangeError('init must hold k × d values');
  const nInit = options.init ? 1 : (options.nInit ?? 10);
  if (!(Number.isInteger(nInit) && nInit >= 1)) throw new RangeError('nInit must be a positive whole number');
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  const tolAbs = absoluteTolerance(X, n, d, tol);
  const requested = options.algorithm ?? 'auto';
  // Hamerly pays for its bounds once n·k is large; below that Lloyd's plain loop is as fast.
  const algorithm = requested === 'auto' ? (n * k >= 50_000 && k > 2 ? 'hamerly' : 'lloyd') : requested;
  const rng = new Rng(options.seed ?? 0, 0x6b6d);
  let best: ReturnType<typeof kmeansSingle> | null = null;
  for (let r = 0; r < nInit; r++) {
    const init = options.init ?? kmeansPlusPlus(X, n, d, k, rng);
    const run = kmeansSingle(X, n, d, init, {
      maxIter,
      tolAbs,
      algorithm,
      ...(options.onIteration ? { onIteration: options.onIteration } : {}),
    });
    if (best === null || run.inertia < best.inertia) best = run;
  }
  return { ...best!, tolAbs, algorithm, nInit };
}
