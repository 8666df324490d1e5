/**
 * Similarity matrices between "x" entities (users for user-based kNN, items for
 * item-based) over the "y" entities they have in common, following Surprise's
 * similarities.pyx. The input is the y-major CSR (each row: the x's that rated
 * that y, with the rating), so every common pair is visited once per shared y
 * and summed into dense n_x × n_x accumulators (943² or 1682² for ML-100K).
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
  const nn = nX * nX;
  const freq = new Int32Array(nn);
  // msd: Σ (r − r')²; the others: Σ r·r' (symmetric).
  const pair = new Float64Array(nn);
  // own[x·n + x'] sums x's own ratings (squares) over the y's shared with x' (not symmetric).
  const needOwn = name !== 'msd';
  const ownSq = needOwn ? new Float64Array(nn) : null;
  const ownSum = name === 'pearson' ? new Float64Array(nn) : null;

  for (let y = 0; y < nY; y++) {
    const s = indptr[y]!;
    const e = indptr[y + 1]!;
    for (let a = s; a < e; a++) {
      const xa = indices[a]!;
      const ra = values[a]!;
      const rowA = xa * nX;
      // Unordered pairs for the symmetric sums, written to both triangles afterwards.
      for (let b = a + 1; b < e; b++) {
        const xb = indices[b]!;
        const rb = values[b]!;
        const ab = rowA + xb;
        const ba = xb * nX + xa;
        freq[ab]!++;
        if (name === 'msd') {
          const d = ra - rb;
          pair[ab]! += d * d;
        } else {
          pair[ab]! += ra * rb;
          ownSq![ab]! += ra * ra;
          ownSq![ba]! += rb * rb;
          if (ownSum) {
            ownSum[ab]! += ra;
            ownSum[ba]! += rb;
          }
        }
      }
    }
  }

  // Fold the pair sums written at (xa, xb) in either order into one symmetric value.
  const sim = pair;
  for (let x = 0; x < nX; x++) {
    for (let z = x + 1; z < nX; z++) {
      const xz = x * nX + z;
      const zx = z * nX + x;
      const f = freq[xz]! + freq[zx]!;
      const p = pair[xz]! + pair[zx]!;
      let v = 0;
      if (f >= minSupport && f > 0) {
        if (name === 'msd') v = 1 / (p / f + 1);
        else if (name === 'cosine' || name === 'pearson_baseline') {
          const den = Math.sqrt(ownSq![xz]! * ownSq![zx]!);
          v = den > 0 ? p / den : 0;
          // Shrinkage 0 means no shrinking (also for a single common y, where the ratio is 0/0).
          if (name === 'pearson_baseline' && shrinkage > 0) v *= (f - 1) / (f - 1 + shrinkage);
        } else {
          const si = ownSum![xz]!;
          const sj = ownSum![zx]!;
          const den = Math.sqrt((f * ownSq![xz]! - si * si) * (f * ownSq![zx]! - sj * sj));
          v = den > 0 ? (f * p - si * sj) / den : 0;
        }
      }
      sim[xz] = v;
      sim[zx] = v;
    }
    sim[x * nX + x] = 1;
  }
  return sim;
}
