/**
 * Similarity matrices between "x" entities (users for user-based kNN, items for
 * item-based) over the "y" entities they have in common, following Surprise's
 * similarities.pyx. The input is the y-major CSR (each row: the x's that rated
 * that y, with the rating); the result is a dense n_x × n_x matrix (943² or
 * 1682² for ML-100K), built one row at a time.
 *
 * With c = the y's rated by both x and x', |c| their number:
 *   cosine           Σ r_x r_x' / √(Σ r_x² · Σ r_x'²)            (sums over c)
 *   msd              1 / (Σ (r_x − r_x')² / |c| + 1)
 *   pearson          Pearson correlation over c (means taken over c)
 *   pearson_baseline Σ e_x e_x' / √(Σ e_x² · Σ e_x'²) · (|c| − 1) / (|c| − 1 + shrinkage),
 *                    e = r − b(x, y) the residual from the ALS baselines
 * Pairs with |c| < minSupport (and zero denominators) get 0; the diagonal is 1.
 */
import type { Csr } from './dataset.ts';

export type SimilarityName = 'cosine' | 'msd' | 'pearson' | 'pearson_baseline';
export const similarityNames: readonly SimilarityName[] = ['cosine', 'msd', 'pearson', 'pearson_baseline'];

export interface SimilarityOptions {
  minSupport?: number;
  /** pearson_baseline only; Surprise's default is 100. */
  shrinkage?: number;
  /** pearson_baseline only: μ, the x biases and the y biases. */
  baselines?: { mu: number; xBias: Float64Array; yBias: Float64Array };
}

export function computeSimilarity(
  name: SimilarityName,
  nX: number,
  yRows: Csr,
  options: SimilarityOptions = {},
): Float64Array {
  const minSupport = options.minSupport ?? 1;
  const shrinkage = options.shrinkage ?? 100;
  const { indptr, indices } = yRows;
  const nY = indptr.length - 1;
  let values = yRows.values;
  if (name === 'pearson_baseline') {
    const bsl = options.baselines;
    if (!bsl) throw new Error('pearson_baseline needs baselines');
    // Replace each rating by its residual from the baseline, then it is a cosine on residuals.
    values = new Float64Array(values.length);
    for (let y = 0; y < nY; y++) {
      const by = bsl.mu + bsl.yBias[y]!;
      for (let p = indptr[y]!; p < indptr[y + 1]!; p++) values[p] = yRows.values[p]! - by - bsl.xBias[indices[p]!]!;
    }
  }
  // The same entries x-major: each x's y's in ascending y, with its rating (a counting sort of the y-major rows).
  const xPtr = new Int32Array(nX + 1);
  for (let p = 0; p < indices.length; p++) xPtr[indices[p]! + 1]!++;
  for (let x = 0; x < nX; x++) xPtr[x + 1]! += xPtr[x]!;
  const xY = new Int32Array(indices.length);
  const xV = new Float64Array(indices.length);
  const cursor = xPtr.slice(0, nX);
  for (let y = 0; y < nY; y++) {
    for (let p = indptr[y]!; p < indptr[y + 1]!; p++) {
      const q = cursor[indices[p]!]!++;
      xY[q] = y;
      xV[q] = values[p]!;
    }
  }

  // One row of the matrix at a time: x's sums with every other x' go into small dense accumulators (a few KB, in
  // cache), where summing into n_x × n_x matrices missed the cache on nearly every common pair. Each pair is visited
  // from both ends and summed in ascending y both times, so the matrix comes out exactly symmetric.
  const sim = new Float64Array(nX * nX);
  const freq = new Int32Array(nX);
  // msd: Σ (r − r')²; the others: Σ r·r'.
  const pair = new Float64Array(nX);
  // x's own ratings (squares, sums) and the other's, over the y's they share.
  const ownSq = new Float64Array(nX);
  const otherSq = new Float64Array(nX);
  const ownSum = new Float64Array(name === 'pearson' ? nX : 0);
  const otherSum = new Float64Array(name === 'pearson' ? nX : 0);
  for (let x = 0; x < nX; x++) {
    freq.fill(0);
    pair.fill(0);
    ownSq.fill(0);
    otherSq.fill(0);
    ownSum.fill(0);
    otherSum.fill(0);
    const q1 = xPtr[x + 1]!;
    if (name === 'msd') {
      for (let q = xPtr[x]!; q < q1; q++) {
        const y = xY[q]!;
        const ra = xV[q]!;
        for (let b = indptr[y]!; b < indptr[y + 1]!; b++) {
          const z = indices[b]!;
          const d = ra - values[b]!;
          freq[z]!++;
          pair[z]! += d * d;
        }
      }
    } else if (name === 'pearson') {
      for (let q = xPtr[x]!; q < q1; q++) {
        const y = xY[q]!;
        const ra = xV[q]!;
        for (let b = indptr[y]!; b < indptr[y + 1]!; b++) {
          const z = indices[b]!;
          const rb = values[b]!;
          freq[z]!++;
          pair[z]! += ra * rb;
          ownSq[z]! += ra * ra;
          otherSq[z]! += rb * rb;
          ownSum[z]! += ra;
          otherSum[z]! += rb;
        }
      }
    } else {
      for (let q = xPtr[x]!; q < q1; q++) {
        const y = xY[q]!;
        const ra = xV[q]!;
        for (let b = indptr[y]!; b < indptr[y + 1]!; b++) {
          const z = indices[b]!;
          const rb = values[b]!;
          freq[z]!++;
          pair[z]! += ra * rb;
          ownSq[z]! += ra * ra;
          otherSq[z]! += rb * rb;
        }
      }
    }
    const row = x * nX;
    for (let z = 0; z < nX; z++) {
      const f = freq[z]!;
      const p = pair[z]!;
      let v = 0;
      if (z === x) v = 1;
      else if (f >= minSupport && f > 0) {
        if (name === 'msd') v = 1 / (p / f + 1);
        else if (name === 'cosine' || name === 'pearson_baseline') {
          const den = Math.sqrt(ownSq[z]! * otherSq[z]!);
          v = den > 0 ? p / den : 0;
          // Shrinkage 0 means no shrinking (also for a single common y, where the ratio is 0/0).
          if (name === 'pearson_baseline' && shrinkage > 0) v *= (f - 1) / (f - 1 + shrinkage);
        } else {
          const si = ownSum[z]!;
          const sj = otherSum[z]!;
          const den = Math.sqrt((f * ownSq[z]! - si * si) * (f * otherSq[z]! - sj * sj));
          v = den > 0 ? (f * p - si * sj) / den : 0;
        }
      }
      sim[row + z] = v;
    }
  }
  return sim;
}
