/**
 * The rating predictors by their CLI-style names (see job.ts for the list), built from plain settings so that a
 * worker thread can build the same model as the caller (evaluate-parallel.ts).
 */
import { UserError } from '../jobs/context.ts';
import { baselineOnly } from './baseline.ts';
import { blend } from './blend.ts';
import type { Algorithm } from './dataset.ts';
import { knn } from './knn.ts';
import type { Centering } from './knn.ts';
import { similarityNames } from './similarity.ts';
import type { SimilarityName } from './similarity.ts';
import { svd } from './svd.ts';
import { svdpp, svdppTuned } from './svdpp.ts';

/** A predictor's settings; `folds` and `seed` drive the cross-validation. */
export interface RecommendEvalParams {
  algo: string;
  sim?: string;
  k?: number;
  centered?: Centering;
  userBased?: boolean;
  folds: number;
  seed: number;
}

export const recommendAlgos = ['baseline', 'user-knn', 'item-knn', 'knn', 'svd', 'svdpp', 'blend'] as const;

export function makeAlgorithm(params: Omit<RecommendEvalParams, 'folds'>): Algorithm {
  switch (params.algo) {
    case 'baseline':
      return baselineOnly();
    case 'svd':
      return svd({ seed: params.seed });
    case 'svdpp':
      return svdpp({ ...svdppTuned, seed: params.seed });
    case 'blend':
      return blend({
        seed: params.seed,
        members: [
          baselineOnly(),
          knn({ k: params.k ?? 40, sim: 'pearson_baseline', centering: 'baseline', userBased: false }),
          svdpp({ ...svdppTuned, seed: params.seed }),
        ],
      });
    case 'user-knn':
    case 'item-knn':
    case 'knn': {
      const sim = params.sim ?? 'msd';
      if (!(similarityNames as readonly string[]).includes(sim)) {
        throw new UserError(`unknown similarity "${sim}" (use ${similarityNames.join(', ')})`);
      }
      const centering = params.centered ?? 'none';
      if (centering !== 'none' && centering !== 'mean' && centering !== 'baseline') {
        throw new UserError(`unknown centering "${String(centering)}" (use none, mean, baseline)`);
      }
      if (params.k !== undefined && !(Number.isInteger(params.k) && params.k >= 1)) {
        throw new UserError(`k must be a positive integer, got ${params.k}`);
      }
      const userBased = params.algo === 'knn' ? (params.userBased ?? true) : params.algo === 'user-knn';
      return knn({ k: params.k ?? 40, sim: sim as SimilarityName, centering, userBased });
    }
    default:
      throw new UserError(`unknown algorithm "${params.algo}" (use ${recommendAlgos.join(', ')})`);
  }
}
