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
 * center. Both compute distances and sum the new centers with the same
 * arithmetic in the same fixed chunks (kmeans-kernel.ts), so they produce the
 * same labels, centers and inertia — on one thread or two (kmeans-engine.ts).
 */
import { Rng } from '../../sample/rng.ts';
import { createEngine, defaultThreads, type AssignEngine, type Step } from './kmeans-engine.ts';
import { sqDist8, type HamerlyState } from './kmeans-kernel.ts';
import { lowerBound } from '../../util/sorted.ts';

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
  /** Default 'auto': Hamerly when n·k is large, Lloyd otherwise (the same labels; centers equal up to rounding). */
  algorithm?: KmeansAlgorithm;
  /** Called after every iteration (e.g. to throw on cancellation). */
  onIteration?: (iteration: number) => void;
  /**
   * Threads for the assignment steps (default: up to 2, the machine's cores). Only large inputs use a
   * second thread; the result is bit-identical for any thread count.
   */
  threads?: number;
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
  /** Threads that did the assignments. */
  threads: number;
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
 * One k-means++ trial: out[i] = min(closest[i], ‖x_i − c‖²) with sqDist's arithmetic, and the potential Σ out.
 * d = 8 keeps the candidate in locals (the seeding's hot loop: k × (2 + ln k) passes over the points).
 */
function trialPass(
  X: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  closest: Float64Array,
  out: Float64Array,
): number {
  let pot = 0;
  if (d === 8) {
    const c0 = c[0]!;
    const c1 = c[1]!;
    const c2 = c[2]!;
    const c3 = c[3]!;
    const c4 = c[4]!;
    const c5 = c[5]!;
    const c6 = c[6]!;
    const c7 = c[7]!;
    for (let i = 0, a = 0; i < n; i++, a += 8) {
      const s = sqDist8(X, a, c0, c1, c2, c3, c4, c5, c6, c7);
      const v = closest[i]! < s ? closest[i]! : s;
      out[i] = v;
      pot += v;
    }
    return pot;
  }
  for (let i = 0; i < n; i++) {
    const a = i * d;
    let s = 0;
    for (let q = 0; q < d; q++) {
      const e = X[a + q]! - c[q]!;
      s += e * e;
    }
    const v = Math.min(closest[i]!, s);
    out[i] = v;
    pot += v;
  }
  return pot;
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
  // Each trial's distances, min'd with the nearest chosen center; the winner's array becomes `closest`.
  const trialMin = Array.from({ length: trials }, () => new Float64Array(n));
  const ids = new Int32Array(trials);
  const cands = new Float64Array(trials * d);
  const trialPot = new Float64Array(trials);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i]!;
    for (let t = 0; t < trials; t++) {
      const r = rng.float() * pot;
      // First index whose cumulative sum reaches r (numpy searchsorted, side='left').
      ids[t] = Math.min(lowerBound(cum, r), n - 1);
      cands.set(X.subarray(ids[t]! * d, ids[t]! * d + d), t * d);
    }
    for (let t = 0; t < trials; t++)
      trialPot[t] = trialPass(X, n, d, cands.subarray(t * d, t * d + d), closest, trialMin[t]!);
    // The lowest potential wins; the first trial on a tie.
    let bestT = 0;
    for (let t = 1; t < trials; t++) if (trialPot[t]! < trialPot[bestT]!) bestT = t;
    pot = trialPot[bestT]!;
    const won = trialMin[bestT]!;
    trialMin[bestT] = closest;
    closest = won;
    centers.set(X.subarray(ids[bestT]! * d, ids[bestT]! * d + d), c * d);
  }
  return centers;
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

/** Half the distance from each center to its nearest other center (Hamerly's first skip test). */
function halfGaps(C: Float64Array, k: number, d: number, half: Float64Array): void {
  for (let j = 0; j < k; j++) {
    let m = Infinity;
    for (let o = 0; o < k; o++) if (o !== j) m = Math.min(m, sqDist(C, j, C, o, d));
    half[j] = 0.5 * Math.sqrt(m);
  }
}

/** Records how far the centers moved (shift holds squared moves); the next assignment loosens the bounds by it. */
function moveBounds(k: number, shift: Float64Array, h: HamerlyState): void {
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
    h.grow[j] = Math.sqrt(shift[j]!);
    h.shrink[j] = j === r1 ? m2 : m1;
  }
}

export interface KmeansSingleOptions {
  maxIter: number;
  tolAbs: number;
  algorithm: 'lloyd' | 'hamerly';
  onIteration?: (it: number) => void;
  /** Threads for the assignments (default: up to 2); large inputs only, the result is the same either way. */
  threads?: number;
}

export interface KmeansSingleResult {
  centers: Float64Array;
  labels: Int32Array;
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Threads that did the assignments. */
  threads: number;
}

/** One k-means run from the given centers. */
export function kmeansSingle(
  X: Float64Array,
  n: number,
  d: number,
  init: Float64Array,
  opts: KmeansSingleOptions,
): KmeansSingleResult {
  const k = init.length / d;
  const engine = createEngine(X, n, d, k, opts.algorithm === 'hamerly', opts.threads ?? defaultThreads());
  try {
    return runSingle(X, n, d, init, opts, engine);
  } finally {
    engine.close();
  }
}

function runSingle(
  X: Float64Array,
  n: number,
  d: number,
  init: Float64Array,
  opts: KmeansSingleOptions,
  engine: AssignEngine,
): KmeansSingleResult {
  const k = init.length / d;
  let centers = Float64Array.from(init);
  let next = new Float64Array(k * d);
  const labels = engine.labels;
  labels.fill(-1);
  const step: Step = { sums: new Float64Array(k * d), counts: new Float64Array(k) };
  const shift = new Float64Array(k);
  const hamerly = opts.algorithm === 'hamerly';
  const h = engine.h;
  let strict = false;
  let stoppedOnTol = false;
  let it = 0;
  for (; it < opts.maxIter; it++) {
    if (hamerly) halfGaps(centers, k, d, h.half);
    const changed = engine.assign(centers, hamerly, step, it === 0, it > 0);
    updateCenters(X, n, d, k, labels, centers, next, step, shift);
    [centers, next] = [next, centers];
    if (hamerly) moveBounds(k, shift, h);
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
    if (hamerly) halfGaps(centers, k, d, h.half);
    engine.assign(centers, hamerly, null, false, true);
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sqDist(X, i, centers, labels[i]!, d);
  return {
    centers,
    // A copy: the engine's labels may live in shared memory and are reused by the next restart.
    labels: Int32Array.from(labels),
    inertia,
    iterations: Math.min(it + 1, opts.maxIter),
    converged: strict || stoppedOnTol,
    threads: engine.threads,
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
  const threads = options.threads ?? defaultThreads();
  if (!(Number.isInteger(threads) && threads >= 1)) throw new RangeError('threads must be a positive whole number');
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  const tolAbs = absoluteTolerance(X, n, d, tol);
  const requested = options.algorithm ?? 'auto';
  // Hamerly pays for its bounds once n·k is large; below that Lloyd's plain loop is as fast.
  const algorithm = requested === 'auto' ? (n * k >= 50_000 && k > 2 ? 'hamerly' : 'lloyd') : requested;
  const rng = new Rng(options.seed ?? 0, 0x6b6d);
  // One engine (and helper thread) for all restarts; it starts while the first seeding runs.
  const engine = createEngine(X, n, d, k, algorithm === 'hamerly', threads);
  try {
    let best: KmeansSingleResult | null = null;
    for (let r = 0; r < nInit; r++) {
      const init = options.init ?? kmeansPlusPlus(X, n, d, k, rng);
      const run = runSingle(
        X,
        n,
        d,
        init,
        { maxIter, tolAbs, algorithm, ...(options.onIteration ? { onIteration: options.onIteration } : {}) },
        engine,
      );
      if (best === null || run.inertia < best.inertia) best = run;
    }
    return { ...best!, tolAbs, algorithm, nInit };
  } finally {
    engine.close();
  }
}
