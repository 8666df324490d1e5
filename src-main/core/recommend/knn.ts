/**
 * Neighbourhood collaborative filtering as Surprise's knns.py. With x the
 * entity predicted for (the user when user-based, the item when item-based),
 * y the other one, and N the k raters of y most similar to x of which only the
 * positive similarities are used:
 *   none (KNNBasic)         r̂ = Σ s·r / Σ s
 *   mean (KNNWithMeans)     r̂ = μ_x + Σ s·(r − μ_x') / Σ s
 *   baseline (KNNBaseline)  r̂ = b_xy + Σ s·(r − b_x'y) / Σ s
 * (s = sim(x, x'), r = r_x'y; μ the mean rating in training; b the ALS
 * baseline μ + b_u + b_i.) When fewer than minK positive neighbours exist, the
 * centred forms return their centre; KNNBasic cannot predict. Unknown user or
 * item, or an impossible prediction, falls back to the training global mean
 * (Surprise's default_prediction in cross_validate), except KNNBaseline which,
 * like Surprise's, answers μ + the biases it knows. Estimates are clipped.
 */
import { fitBaselines } from './baseline.ts';
import type { BaselineOptions } from './baseline.ts';
import { clip } from './dataset.ts';
import type { Algorithm, Predictor, TrainSet } from './dataset.ts';
import { computeSimilarity } from './similarity.ts';
import type { SimilarityName } from './similarity.ts';

export type Centering = 'none' | 'mean' | 'baseline';

export interface KnnOptions {
  k?: number;
  minK?: number;
  /** Surprise's default for every kNN (and in its benchmark, KNNBaseline included) is msd. */
  sim?: SimilarityName;
  userBased?: boolean;
  minSupport?: number;
  shrinkage?: number;
  centering?: Centering;
  baseline?: BaselineOptions;
}

const className: Record<Centering, string> = { none: 'KNNBasic', mean: 'KNNWithMeans', baseline: 'KNNBaseline' };

export function knn(options: KnnOptions = {}): Algorithm {
  const k = options.k ?? 40;
  const minK = options.minK ?? 1;
  const simName = options.sim ?? 'msd';
  const userBased = options.userBased ?? true;
  const centering = options.centering ?? 'none';
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  return {
    name: `${className[centering]}(${simName}, ${userBased ? 'user' : 'item'}-based, k=${k})`,
    fit(train: TrainSet): Predictor {
      const data = train.data;
      const mu = train.globalMean;
      const nX = userBased ? data.nUsers : data.nItems;
      const nY = userBased ? data.nItems : data.nUsers;
      const xRows = userBased ? train.byUser : train.byItem;
      // Row y lists the x's that rated y: the candidate neighbours.
      const yRows = userBased ? train.byItem : train.byUser;
      const needBaselines = centering === 'baseline' || simName === 'pearson_baseline';
      const bsl = needBaselines ? fitBaselines(train, options.baseline) : null;
      const xBias = bsl ? (userBased ? bsl.bu : bsl.bi) : new Float64Array(0);
      const yBias = bsl ? (userBased ? bsl.bi : bsl.bu) : new Float64Array(0);
      const sim = computeSimilarity(simName, nX, yRows, {
        minSupport: options.minSupport,
        shrinkage: options.shrinkage,
        baselines: bsl ? { mu, xBias, yBias } : undefined,
      });
      const xCount = new Int32Array(nX);
      const yCount = new Int32Array(nY);
      for (let x = 0; x < nX; x++) xCount[x] = xRows.indptr[x + 1]! - xRows.indptr[x]!;
      for (let y = 0; y < nY; y++) yCount[y] = yRows.indptr[y + 1]! - yRows.indptr[y]!;
      const means = new Float64Array(nX);
      if (centering === 'mean') {
        for (let x = 0; x < nX; x++) {
          let s = 0;
          for (let p = xRows.indptr[x]!; p < xRows.indptr[x + 1]!; p++) s += xRows.values[p]!;
          means[x] = xCount[x]! > 0 ? s / xCount[x]! : mu;
        }
      }
      // Bounded min-heap of the k best (similarity, position) pairs; reused across predictions.
      const heapSim = new Float64Array(k);
      const heapPos = new Int32Array(k);

      function predictRaw(u: number, i: number): number {
        const x = userBased ? u : i;
        const y = userBased ? i : u;
        if (!(x >= 0 && x < nX && y >= 0 && y < nY) || xCount[x] === 0 || yCount[y] === 0) {
          // KNNBaseline answers with the baseline of whatever is known (biases of unknowns are 0).
          return centering === 'baseline' ? mu + (xBias[x] ?? 0) + (yBias[y] ?? 0) : mu;
        }
        const start = yRows.indptr[y]!;
        const end = yRows.indptr[y + 1]!;
        const simRow = x * nX;
        let size = 0;
        for (let p = start; p < end; p++) {
          const s = sim[simRow + yRows.indices[p]!]!;
          if (size < k) {
            // Sift up. Order: lower similarity first; at equal similarity the later position
            // is "smaller", so earlier raters win ties as in heapq.nlargest.
            let c = size++;
            while (c > 0) {
              const parent = (c - 1) >> 1;
              const ps = heapSim[parent]!;
              if (ps < s || (ps === s && heapPos[parent]! > p)) break;
              heapSim[c] = ps;
              heapPos[c] = heapPos[parent]!;
              c = parent;
            }
            heapSim[c] = s;
            heapPos[c] = p;
          } else if (s > heapSim[0]!) {
            // Replace the root (the worst kept) and sift down.
            let c = 0;
            for (;;) {
              const l = 2 * c + 1;
              if (l >= k) break;
              let m = l;
              const r = l + 1;
              if (r < k && (heapSim[r]! < heapSim[l]! || (heapSim[r] === heapSim[l] && heapPos[r]! > heapPos[l]!)))
                m = r;
              const ms = heapSim[m]!;
              if (s < ms || (s === ms && p > heapPos[m]!)) break;
              heapSim[c] = ms;
              heapPos[c] = heapPos[m]!;
              c = m;
            }
            heapSim[c] = s;
            heapPos[c] = p;
          }
        }
        let sumSim = 0;
        let sumRatings = 0;
        let actualK = 0;
        for (let h = 0; h < size; h++) {
          const s = heapSim[h]!;
          if (!(s > 0)) continue;
          const p = heapPos[h]!;
          const nb = yRows.indices[p]!;
          let r = yRows.values[p]!;
          if (centering === 'mean') r -= means[nb]!;
          else if (centering === 'baseline') r -= mu + xBias[nb]! + yBias[y]!;
          sumSim += s;
          sumRatings += s * r;
          actualK++;
        }
        if (centering === 'none') return actualK < minK ? mu : sumRatings / sumSim;
        const centre = centering === 'mean' ? means[x]! : mu + xBias[x]! + yBias[y]!;
        return actualK < minK || sumSim === 0 ? centre : centre + sumRatings / sumSim;
      }
      return { predict: (u, i) => clip(predictRaw(u, i), data) };
    },
  };
}
