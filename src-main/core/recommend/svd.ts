/**
 * Biased matrix factorisation trained by SGD, as Surprise's SVD (Funk / Koren):
 *   r̂(u,i) = μ + b_u + b_i + q_iᵀ p_u
 * with, per training rating and e = r − r̂:
 *   b_u += lr (e − reg b_u),  b_i += lr (e − reg b_i),
 *   p_u += lr (e q_i − reg p_u),  q_i += lr (e p_u − reg q_i)
 * Users are visited in order of first appearance in the training ratings, each
 * user's ratings in training order (Surprise's inner ids and ur lists; it does
 * not reshuffle between epochs). Factors start N(initMean, initStd²) drawn from
 * a NumPy-compatible Mersenne Twister in the same order (all users' rows, then
 * all items'), so with the same folds the run follows Surprise's SVD(random_state=seed).
 * An unknown user or item drops its terms: μ + the known bias.
 */
import type { Algorithm, Predictor, TrainSet } from './dataset.ts';
import { biasedFactorPredictor, firstAppearance } from './factors.ts';
import { Mt19937 } from './random.ts';

export interface SvdOptions {
  /** Surprise defaults: 100 factors, 20 epochs, lr 0.005, reg 0.02, N(0, 0.1²) init. */
  nFactors?: number;
  nEpochs?: number;
  lr?: number;
  reg?: number;
  initMean?: number;
  initStd?: number;
  seed?: number;
}

export function svd(options: SvdOptions = {}): Algorithm {
  const f = options.nFactors ?? 100;
  const nEpochs = options.nEpochs ?? 20;
  const lr = options.lr ?? 0.005;
  const reg = options.reg ?? 0.02;
  const initMean = options.initMean ?? 0;
  const initStd = options.initStd ?? 0.1;
  const seed = options.seed ?? 0;
  return {
    name: `SVD(${f} factors, ${nEpochs} epochs)`,
    fit(train: TrainSet): Predictor {
      const data = train.data;
      const { nUsers, nItems } = data;
      const mu = train.globalMean;
      const userOrder = firstAppearance(train.rows, data.users, nUsers);
      const itemOrder = firstAppearance(train.rows, data.items, nItems);
      const rng = new Mt19937(seed);
      const pu = new Float64Array(nUsers * f);
      const qi = new Float64Array(nItems * f);
      for (const u of userOrder) for (let g = 0; g < f; g++) pu[u * f + g] = initMean + initStd * rng.normal();
      for (const i of itemOrder) for (let g = 0; g < f; g++) qi[i * f + g] = initMean + initStd * rng.normal();
      const bu = new Float64Array(nUsers);
      const bi = new Float64Array(nItems);
      const { indptr, indices, values } = train.byUser;
      for (let epoch = 0; epoch < nEpochs; epoch++) {
        for (let j = 0; j < userOrder.length; j++) {
          const u = userOrder[j]!;
          const uo = u * f;
          const end = indptr[u + 1]!;
          // The user's bias only changes in this loop: kept in a local (the same arithmetic).
          let b = bu[u]!;
          for (let p = indptr[u]!; p < end; p++) {
            const i = indices[p]!;
            const io = i * f;
            let dot = 0;
            // Unrolled by two, still one running sum in factor order (Surprise's arithmetic, to the bit).
            let g = 0;
            for (; g + 2 <= f; g += 2) {
              dot += pu[uo + g]! * qi[io + g]!;
              dot += pu[uo + g + 1]! * qi[io + g + 1]!;
            }
            if (g < f) dot += pu[uo + g]! * qi[io + g]!;
            const err = values[p]! - (mu + b + bi[i]! + dot);
            b = b + lr * (err - reg * b);
            bi[i] = bi[i]! + lr * (err - reg * bi[i]!);
            for (g = 0; g + 2 <= f; g += 2) {
              const p0 = pu[uo + g]!;
              const q0 = qi[io + g]!;
              const p1 = pu[uo + g + 1]!;
              const q1 = qi[io + g + 1]!;
              pu[uo + g] = p0 + lr * (err * q0 - reg * p0);
              qi[io + g] = q0 + lr * (err * p0 - reg * q0);
              pu[uo + g + 1] = p1 + lr * (err * q1 - reg * p1);
              qi[io + g + 1] = q1 + lr * (err * p1 - reg * q1);
            }
            if (g < f) {
              const puf = pu[uo + g]!;
              const qif = qi[io + g]!;
              pu[uo + g] = puf + lr * (err * qif - reg * puf);
              qi[io + g] = qif + lr * (err * puf - reg * qif);
            }
          }
          bu[u] = b;
        }
      }
      return { predict: biasedFactorPredictor(train, { mu, bu, bi, userVectors: pu, qi, nFactors: f }) };
    },
  };
}
