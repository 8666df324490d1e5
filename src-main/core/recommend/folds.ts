/**
 * K-fold split as Surprise's KFold(n_splits, shuffle=True, random_state=seed):
 * positions 0..n-1 shuffled with NumPy's legacy RandomState(seed) shuffle (see
 * random.ts; the permutation is the same as NumPy's), then cut into contiguous
 * folds; the first n % k folds hold one rating more. Fold f tests on its own
 * slice and trains on the rest in shuffled order (before the slice, then after).
 */
import { Mt19937 } from './random.ts';

export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

export function kFold(n: number, k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`);
  if (k > n) throw new RangeError(`cannot split ${n} ratings into ${k} folds`);
  const order = new Int32Array(n);
  for (let t = 0; t < n; t++) order[t] = t;
  new Mt19937(seed).shuffle(order);
  const folds: Fold[] = [];
  const base = Math.floor(n / k);
  const extra = n % k;
  let stop = 0;
  for (let f = 0; f < k; f++) {
    const start = stop;
    stop = start + base + (f < extra ? 1 : 0);
    const train = new Int32Array(n - (stop - start));
    train.set(order.subarray(0, start), 0);
    train.set(order.subarray(stop), start);
    folds.push({ train, test: order.slice(start, stop) });
  }
  return folds;
}
