/**
 * SVD++ (Koren 2008, "Factorization meets the neighborhood", eq. 15), trained by
 * SGD as Surprise's SVDpp:
 *   r̂(u,i) = μ + b_u + b_i + q_iᵀ (p_u + |N(u)|^-½ Σ_{j∈N(u)} y_j)
 * with N(u) the items u rated in training. Per training rating, e = r − r̂ and
 * z = |N(u)|^-½ Σ y_j (before the step):
 *   b_u += lrBias (e − regBias b_u),  b_i += lrBias (e − regBias b_i),
 *   p_u += lr (e q_i − reg p_u),  q_i += lr (e (p_u + z) − reg q_i),
 *   y_j += lr (e |N(u)|^-½ q_i − regY y_j)   for every j in N(u)   (old p_u, q_i)
 * Surprise recomputes z and touches every y_j per rating: O(|N(u)|·f) each, so
 * O(Σ_u |N(u)|²·f) per epoch. Here the y_j step is the same affine map for every
 * j of the user (y ← c·y + a with c = 1 − lr·regY and a shared vector), so the
 * user's visit keeps z exactly (z ← c·z + lr·e·q_i, as n²|N(u)| = 1) and one
 * accumulated (scale, shift) pair, applied to the y_j once when the user is done:
 * the same arithmetic, O(|N(u)|·f) per user.
 *
 * Visiting order is Surprise's (users by first appearance, each user's ratings in
 * training order, no reshuffle); factors p, q, y start N(0, initStd²) drawn in
 * that order (users, items, items) from the NumPy-compatible generator. Beyond
 * Surprise: the learning rates may decay geometrically per epoch (lrDecay) and
 * biases may have their own rate and regularisation. Unknown user: μ + b_i; an
 * unknown item: μ + b_u + nothing else (its q_i is never trained).
 */
import type { Algorithm, Predictor, TrainSet } from './dataset.ts';
import { biasedFactorPredictor, firstAppearance } from './factors.ts';
import { Mt19937 } from './random.ts';

export interface SvdppOptions {
  /** Surprise's SVDpp defaults: 20 factors, 20 epochs, lr 0.007, reg 0.02, N(0, 0.1²), no decay. */
  nFactors?: number;
  nEpochs?: number;
  lr?: number;
  reg?: number;
  /** Learning rate and regularisation of b_u, b_i (default lr, reg). */
  lrBias?: number;
  regBias?: number;
  /** Regularisation of the implicit factors y_j (default reg). */
  regY?: number;
  /** Every learning rate is multiplied by this after each epoch (default 1). */
  lrDecay?: number;
  initStd?: number;
  seed?: number;
}

/** The tuned settings behind `--algo svdpp` (see tests/reference/ml100k.ts for its ML-100K figure). */
export const svdppTuned: SvdppOptions = {
  nFactors: 100,
  nEpochs: 40,
  lr: 0.005,
  reg: 0.06,
  regBias: 0.01,
  initStd: 0.05,
};

export interface SvdppModel extends Predictor {
  mu: number;
  bu: Float64Array;
  bi: Float64Array;
  pu: Float64Array;
  qi: Float64Array;
  yj: Float64Array;
  nFactors: number;
}

export interface SvdppAlgorithm extends Algorithm {
  fit(train: TrainSet): SvdppModel;
}

export function svdpp(options: SvdppOptions = {}): SvdppAlgorithm {
  const f = options.nFactors ?? 20;
  const nEpochs = options.nEpochs ?? 20;
  const lr0 = options.lr ?? 0.007;
  const reg = options.reg ?? 0.02;
  const lrBias0 = options.lrBias ?? lr0;
  const regBias = options.regBias ?? reg;
  const regY = options.regY ?? reg;
  const lrDecay = options.lrDecay ?? 1;
  const initStd = options.initStd ?? 0.1;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(f) || f < 1) throw new RangeError(`nFactors must be a positive integer, got ${f}`);
  return {
    name: `SVD++(${f} factors, ${nEpochs} epochs)`,
    fit(train: TrainSet): SvdppModel {
      const data = train.data;
      const { nUsers, nItems } = data;
      const mu = train.globalMean;
      const userOrder = firstAppearance(train.rows, data.users, nUsers);
      const itemOrder = firstAppearance(train.rows, data.items, nItems);
      const rng = new Mt19937(seed);
      const pu = new Float64Array(nUsers * f);
      const qi = new Float64Array(nItems * f);
      const yj = new Float64Array(nItems * f);
      for (const u of userOrder) for (let g = 0; g < f; g++) pu[u * f + g] = initStd * rng.normal();
      for (const i of itemOrder) for (let g = 0; g < f; g++) qi[i * f + g] = initStd * rng.normal();
      for (const i of itemOrder) for (let g = 0; g < f; g++) yj[i * f + g] = initStd * rng.normal();
      const bu = new Float64Array(nUsers);
      const bi = new Float64Array(nItems);
      const { indptr, indices, values } = train.byUser;
      const z = new Float64Array(f);
      const shift = new Float64Array(f);
      let lr = lr0;
      let lrBias = lrBias0;
      for (let epoch = 0; epoch < nEpochs; epoch++) {
        const c = 1 - lr * regY;
        for (let j = 0; j < userOrder.length; j++) {
          const u = userOrder[j]!;
          const uo = u * f;
          const a = indptr[u]!;
          const b = indptr[u + 1]!;
          const norm = 1 / Math.sqrt(b - a);
          z.fill(0);
          for (let p = a; p < b; p++) {
            const jo = indices[p]! * f;
            for (let g = 0; g < f; g++) z[g] = z[g]! + yj[jo + g]!;
          }
          for (let g = 0; g < f; g++) z[g] = z[g]! * norm;
          // Every y_j of u, after the visit, is scale·y_j + shift.
          let scale = 1;
          shift.fill(0);
          const step = lr * norm;
          for (let p = a; p < b; p++) {
            const i = indices[p]!;
            const io = i * f;
            let dot = 0;
            for (let g = 0; g < f; g++) dot += qi[io + g]! * (pu[uo + g]! + z[g]!);
            const err = values[p]! - (mu + bu[u]! + bi[i]! + dot);
            bu[u] = bu[u]! + lrBias * (err - regBias * bu[u]!);
            bi[i] = bi[i]! + lrBias * (err - regBias * bi[i]!);
            scale *= c;
            for (let g = 0; g < f; g++) {
              const puf = pu[uo + g]!;
              const qif = qi[io + g]!;
              const zf = z[g]!;
              pu[uo + g] = puf + lr * (err * qif - reg * puf);
              qi[io + g] = qif + lr * (err * (puf + zf) - reg * qif);
              shift[g] = c * shift[g]! + step * err * qif;
              z[g] = c * zf + lr * err * qif;
            }
          }
          for (let p = a; p < b; p++) {
            const jo = indices[p]! * f;
            for (let g = 0; g < f; g++) yj[jo + g] = scale * yj[jo + g]! + shift[g]!;
          }
        }
        lr *= lrDecay;
        lrBias *= lrDecay;
      }
      // Each known user's implicit term z_u, precomputed for prediction.
      const zu = new Float64Array(nUsers * f);
      for (let u = 0; u < nUsers; u++) {
        const a = indptr[u]!;
        const b = indptr[u + 1]!;
        if (b === a) continue;
        const norm = 1 / Math.sqrt(b - a);
        const uo = u * f;
        for (let p = a; p < b; p++) {
          const jo = indices[p]! * f;
          for (let g = 0; g < f; g++) zu[uo + g] = zu[uo + g]! + yj[jo + g]!;
        }
        for (let g = 0; g < f; g++) zu[uo + g] = pu[uo + g]! + zu[uo + g]! * norm;
      }
      return {
        mu,
        bu,
        bi,
        pu,
        qi,
        yj,
        nFactors: f,
        predict: biasedFactorPredictor(train, { mu, bu, bi, userVectors: zu, qi, nFactors: f }),
      };
    },
  };
}
