/**
 * Permutation importance for any fitted model: how much a higher-is-better
 * metric drops when a feature's values are shuffled across rows, mean and
 * population std (as scikit-learn's permutation_importance) over seeded
 * repeats. Columns can be permuted in groups — the one-hot columns of one
 * variable move together, so "city" is scored as one feature and a shuffle
 * never produces a row that is in two cities at once.
 */
import { Rng } from '../../sample/rng.ts';

export interface FeatureGroup {
  name: string;
  columns: number[];
}

export interface GroupImportance {
  feature: string;
  mean: number;
  std: number;
}

export interface ImportanceOptions {
  repeats?: number;
  seed: number;
  /** Default: one group per column, named by `names` or "x<j>". */
  groups?: FeatureGroup[];
  names?: readonly string[];
  /** Called once per group (e.g. to honour cancellation). */
  onGroup?: () => void;
}

/**
 * `predict` maps a (possibly permuted) n × d matrix to whatever `metric`
 * scores against the true labels; e.g. probabilities and accuracy.
 */
export function permutationImportances<P>(
  X: Float64Array,
  n: number,
  d: number,
  predict: (M: Float64Array) => P,
  metric: (prediction: P) => number,
  options: ImportanceOptions,
): { baseline: number; importances: GroupImportance[] } {
  if (X.length !== n * d || n < 2) throw new RangeError('X must be n × d with n ≥ 2');
  const repeats = options.repeats ?? 5;
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new RangeError('repeats must be a whole number ≥ 1');
  const groups =
    options.groups ?? Array.from({ length: d }, (_, j) => ({ name: options.names?.[j] ?? `x${j}`, columns: [j] }));
  for (const g of groups) {
    for (const j of g.columns) if (!(Number.isInteger(j) && j >= 0 && j < d)) throw new RangeError(`bad column ${j}`);
  }
  const baseline = metric(predict(X));
  const rng = new Rng(options.seed, 0x696d70);
  const work = Float64Array.from(X);
  const perm = new Int32Array(n);
  const importances: GroupImportance[] = [];
  for (const g of groups) {
    const drops = new Float64Array(repeats);
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < n; i++) perm[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const k = rng.int(i + 1);
        const t = perm[i]!;
        perm[i] = perm[k]!;
        perm[k] = t;
      }
      for (const j of g.columns) for (let i = 0; i < n; i++) work[i * d + j] = X[perm[i]! * d + j]!;
      drops[r] = baseline - metric(predict(work));
    }
    for (const j of g.columns) for (let i = 0; i < n; i++) work[i * d + j] = X[i * d + j]!;
    let mean = 0;
    for (const v of drops) mean += v / repeats;
    let ss = 0;
    for (const v of drops) ss += (v - mean) ** 2;
    importances.push({ feature: g.name, mean, std: Math.sqrt(ss / repeats) });
    options.onGroup?.();
  }
  return { baseline, importances };
}
