/**
 * Job handler for `recommend eval`: k-fold cross-validation of one rating
 * predictor over the workspace's ratings table. CLI-style names:
 *   baseline                BaselineOnly (ALS)
 *   user-knn / item-knn     kNN; --centered none = KNNBasic, mean = KNNWithMeans,
 *                           baseline = KNNBaseline; --sim msd (default) | cosine |
 *                           pearson | pearson_baseline; --k (default 40)
 *   knn                     the same, user- or item-based from userBased (default user)
 *   svd                     biased MF by SGD (Surprise's SVD defaults)
 *   svdpp                   SVD++ with implicit feedback, tuned settings (svdpp.ts svdppTuned)
 *   blend                   linear blend of BaselineOnly + item KNNBaseline(pearson_baseline)
 *                           + tuned SVD++, weights learned on a held-out slice of the
 *                           training ratings (blend.ts)
 * Defaults follow Surprise, so `user-knn` alone is KNNBasic(msd, k=40).
 * Every evaluation is recorded in analysis_runs as kind 'recommend-eval'.
 */
import { failRun, finishRun, startRun } from '../analytics/run-record.ts';
import type { Db } from '../db/workspace.ts';
import { UserError } from '../jobs/context.ts';
import type { JobContext } from '../jobs/context.ts';
import { makeAlgorithm } from './algorithms.ts';
import type { RecommendEvalParams } from './algorithms.ts';
import { loadRatings } from './dataset.ts';
import type { CvResult } from './evaluate.ts';
import { crossValidateParallel } from './evaluate-parallel.ts';
import type { Centering } from './knn.ts';

export { makeAlgorithm, recommendAlgos } from './algorithms.ts';
export type { RecommendEvalParams } from './algorithms.ts';

/** A cross-validation as stored: the CvResult plus the run it was recorded as. */
export type RecommendEvalResult = CvResult & { runId: number; params: RecommendEvalSettings };

/** The settings a rating evaluation ran with, as recorded in analysis_runs (defaults filled in). */
export interface RecommendEvalSettings {
  algo: string;
  sim: string | null;
  k: number | null;
  centered: Centering | null;
  userBased: boolean | null;
  folds: number;
  seed: number;
}

const isKnn = (algo: string) => algo === 'user-knn' || algo === 'item-knn' || algo === 'knn';

/**
 * k-fold CV of one rating model, recorded in analysis_runs (kind 'recommend-eval', with the settings, seed,
 * per-fold figures as the result and the means as metrics) so reports and views read it like any analysis.
 */
export async function runRecommendEval(
  db: Db,
  params: RecommendEvalParams,
  ctx: JobContext,
): Promise<RecommendEvalResult> {
  // Unknown names and bad settings fail here, before a run is recorded.
  makeAlgorithm(params);
  if (!Number.isInteger(params.folds) || params.folds < 2) {
    throw new UserError(`folds must be an integer ≥ 2, got ${params.folds}`);
  }
  if (!Number.isInteger(params.seed) || params.seed < 0 || params.seed > 0xffffffff) {
    throw new UserError(`seed must be an integer in 0..4294967295, got ${params.seed}`);
  }
  const knnAlgo = isKnn(params.algo);
  const settings: RecommendEvalSettings = {
    algo: params.algo,
    sim: knnAlgo ? (params.sim ?? 'msd') : params.algo === 'blend' ? 'pearson_baseline' : null,
    k: knnAlgo || params.algo === 'blend' ? (params.k ?? 40) : null,
    centered: knnAlgo ? (params.centered ?? 'none') : null,
    userBased: knnAlgo ? (params.algo === 'knn' ? (params.userBased ?? true) : params.algo === 'user-knn') : null,
    folds: params.folds,
    seed: params.seed,
  };
  const runId = startRun(db, 'recommend-eval', settings, params.seed);
  try {
    const data = loadRatings(db);
    if (data.ratings.length < params.folds) {
      throw new UserError(`the workspace has ${data.ratings.length} ratings: too few for ${params.folds} folds`);
    }
    ctx.throwIfCancelled();
    const cv = await crossValidateParallel(data, params, {
      folds: params.folds,
      seed: params.seed,
      onFold(done, total) {
        ctx.progress(done, total, `fold ${Math.min(done + 1, total)} of ${total}`);
        ctx.throwIfCancelled();
      },
    });
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    finishRun(
      db,
      runId,
      {
        rmse: cv.rmse.mean,
        mae: cv.mae.mean,
        fitSeconds: sum(cv.fitSeconds.folds),
        testSeconds: sum(cv.testSeconds.folds),
      },
      { ...cv, params: settings },
    );
    return { ...cv, runId, params: settings };
  } catch (err) {
    failRun(db, runId, err);
    throw err;
  }
}
