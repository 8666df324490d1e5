/**
 * The classify analysis: predicts a class per customer — by default the
 * category they will spend most on next (T = the day after asOf, h = horizon):
 *   train    features before T − kh, labels = preferred category in
 *            [T − kh, T − (k−1)h), for k = 2 … W + 1 pooled (default W = 3)
 *   evaluate features before T − h,  labels from [T − h, T)
 *   score    refit on the W latest windows (k = 1 … W), features before T
 * as the churn job does, so nothing at or after T is read and the evaluated
 * model never saw the evaluation window. Pooling windows gives a small shop
 * enough labelled rows for twelve classes (on the 5,000-customer sample shop
 * it took logistic accuracy from 0.371 to 0.381, the per-category order
 * counts then to 0.402; "same as before" 0.350, majority 0.336).
 *
 * For a customers column (gender, age group, city, …) the label does not
 * move in time. By default a seeded, stratified 20% of the labelled customers
 * evaluate: the customers whose label is missing, the ones a fill-in serves,
 * are missing at random, not the newest. holdout 'newest' holds out the 20%
 * with the latest first sale instead, a drift test: on the sample shop the
 * newest customers are mostly from the "new" segment, 56% 青年 against 41%
 * among the older ones, so a model of the older mix falls below "always
 * 青年" there (0.43–0.49 against 0.555; 5,000-customer sample shop) while it
 * beats the majority class on the random hold-out (0.46–0.49 against 0.438).
 * The final model is refit on everyone labelled.
 *
 * Preparation, fitted on the training rows only and stated in the result:
 * log1p of the skewed history counts and amounts, standardization, then
 * correlation-based selection (of each pair with |r| above the threshold the
 * column less related to the target, by correlation ratio, is dropped).
 * Models: multinomial logistic regression, one-vs-rest trees, or an MLP.
 */
import type { Db } from '../../db/workspace.ts';
import { UserError, type JobContext } from '../../jobs/context.ts';
import { classRelevance, selectColumns, selectUncorrelated, type FeatureSelection } from '../prepare/feature-select.ts';
import { failRun, finishRun, startRun } from '../run-record.ts';
import { classRules, type ClassRuleSet } from './class-rules.ts';
import { DAY, isoOf, scoringDay } from './churn.ts';
import {
  allCustomerIds,
  CATEGORY_FEATURES,
  classifyFeatures,
  columnLabels,
  columnLabelsAt,
  DEFAULT_CATEGORY_FEATURES,
  historyPreferredCategory,
  preferredCategoryAt,
  SCOPE_BLOCK,
  TARGET_COLUMNS,
  vocabularyAt,
  type ClassifyMatrix,
  type CategoryFeature,
  type ClassifyTarget,
  type Vocabulary,
} from './classify-data.ts';
import { permutationImportances, type FeatureGroup, type GroupImportance } from './importance.ts';
import {
  capRows,
  chooseClasses,
  encodePool,
  featuresOfRows,
  poolCutoffs,
  pooledLabels,
  singleWindow,
  vocabularySample,
  type LabelPool,
} from './classify-sample.ts';
import { LOGGED } from './job.ts';
import { argmaxRows, fitMlp, mlpPredictProba, stratifiedHoldout } from './mlp.ts';
import {
  fitOvrTrees,
  fitSoftmax,
  multiclassReport,
  ovrTreeProba,
  softmaxProba,
  type ClassMetrics,
} from './multiclass.ts';
import type { Tree } from './tree.ts';

export type ClassifyModelKind = 'logistic' | 'tree' | 'mlp';

export interface ClassifyParams {
  /** `YYYY-MM-DD`: the last day of known history (default: the day of the latest sale). */
  asOf?: string;
  /** Default 'preferred-category'. */
  target?: ClassifyTarget;
  /** Preferred category: the label window in days (default 90). */
  horizonDays?: number;
  model: ClassifyModelKind;
  seed: number;
  /** Logistic: inverse regularization strength (default 1). */
  C?: number;
  /** Tree: default 5 and 20. */
  maxDepth?: number;
  minSamplesLeaf?: number;
  /** MLP hidden units (default 32). */
  hidden?: number;
  /** Drop one of each feature pair with |r| above this (default 0.95). */
  correlationThreshold?: number;
  /** Classes with fewer training customers are left out (default 10). */
  minClassSize?: number;
  /** Length of the customer list (default 200). */
  top?: number;
  /**
   * Customers columns: which labelled customers evaluate — 'random' (default), a seeded stratified 20%, the
   * population a fill-in of missing labels serves; or 'newest', the 20% with the latest first sale, a test of
   * drift (their label mix may differ from the training customers').
   */
  holdout?: 'random' | 'newest';
  /** Preferred category: labelled windows pooled for training (default 3). */
  trainWindows?: number;
  /** Per-category feature groups (default share and orders; see classify-data.ts). */
  perCategory?: CategoryFeature[];
}

export interface ClassifyPreparation {
  transforms: ({ kind: 'log1p'; features: string[] } | { kind: 'standardize' })[];
  featureSelection: FeatureSelection;
}

export interface ClassifyMetrics {
  accuracy: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  perClass: (ClassMetrics & { class: string })[];
  /** Rows true class, columns predicted, in `classes` order. */
  confusion: number[][];
}

export interface ClassifiedCustomer {
  customerId: number;
  externalId: string;
  predicted: string;
  probability: number;
  /** The known label (column targets); null when unknown or for the future preferred category. */
  actual: string | null;
}

export interface ClassifyResult {
  runId: number;
  asOf: string;
  target: ClassifyTarget;
  model: ClassifyModelKind;
  horizonDays: number | null;
  /** Preferred category: the three cut-offs. Columns: the first-sale day splitting train from evaluation. */
  windows:
    | { trainCutoff: string; evalCutoff: string; scoreCutoff: string }
    | { heldOutFirstSaleFrom: string }
    | { heldOutRandomShare: number };
  classes: string[];
  /** Preferred category: cut-offs of the pooled training windows and of the final model's (latest first). */
  pooling: { trainCutoffs: string[]; refitCutoffs: string[] } | null;
  /** Candidate features before selection. */
  features: string[];
  preparation: ClassifyPreparation;
  train: { customers: number; classCounts: number[]; droppedRareClass: number };
  evaluation: { customers: number; droppedUnseenClass: number };
  metrics: ClassifyMetrics;
  /** Accuracy of predicting the most common training class; preferred category also "same as before the cut-off". */
  baseline: { majority: number; history: number | null };
  /**
   * The same model and evaluation customers with each class's probability divided by its training share
   * (the decision that weighs every class alike): fewer hits overall, more on the small classes.
   */
  balancedDecision: { accuracy: number; macroPrecision: number; macroRecall: number; macroF1: number };
  /** Drop of evaluation accuracy when a feature (one-hot groups together) is shuffled, 5 seeded shuffles. */
  importances: GroupImportance[];
  training: { epochs: number | null; stoppedEarly: boolean | null };
  /** Tree model: the final model's rules per class, raw units, largest support first; null for the others. */
  classRules: ClassRuleSet[] | null;
  /**
   * Labelled rows available for fitting, evaluating and refitting (`train`, `evaluation`, `refit`) before the caps:
   * past a cap the model used a seeded stratified sample of that size (train.customers, evaluation.customers).
   */
  sampling: ClassifySampling & {
    caps: { fit: number; evaluation: number };
    seed: number;
    /** Big shops: cities and categories ranked from a seeded sample of this many customers (null: everyone). */
    vocabularyFromCustomers: number | null;
  };
  scored: number;
  customers: ClassifiedCustomer[];
}

export interface ClassifySampling {
  train: number;
  evaluation: number;
  refit: number;
}

const MODELS: readonly ClassifyModelKind[] = ['logistic', 'tree', 'mlp'];

function check(params: ClassifyParams): { h: number; target: ClassifyTarget } {
  if (params.asOf !== undefined && typeof params.asOf !== 'string')
    throw new UserError('asOf must be a date YYYY-MM-DD');
  const target = params.target ?? 'preferred-category';
  if (target !== 'preferred-category' && !(TARGET_COLUMNS as readonly string[]).includes(target)) {
    throw new UserError(`target must be preferred-category or one of ${TARGET_COLUMNS.join(', ')}`);
  }
  const h = params.horizonDays ?? 90;
  if (!(Number.isInteger(h) && h >= 7 && h <= 730)) throw new UserError('horizonDays must be a whole number 7–730');
  if (!MODELS.includes(params.model)) throw new UserError('model must be logistic, tree or mlp');
  if (!Number.isInteger(params.seed)) throw new UserError('seed must be a whole number');
  if (params.C !== undefined && !(params.C > 0 && Number.isFinite(params.C))) throw new UserError('C must be > 0');
  const whole = (v: number | undefined, lo: number, hi: number, name: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= lo && v <= hi)) {
      throw new UserError(`${name} must be a whole number ${lo}–${hi}`);
    }
  };
  whole(params.maxDepth, 1, 12, 'maxDepth');
  whole(params.minSamplesLeaf, 1, 100_000, 'minSamplesLeaf');
  whole(params.hidden, 1, 512, 'hidden');
  whole(params.minClassSize, 1, 100_000, 'minClassSize');
  whole(params.top, 1, 10_000, 'top');
  whole(params.trainWindows, 1, 12, 'trainWindows');
  if (params.holdout !== undefined && params.holdout !== 'random' && params.holdout !== 'newest') {
    throw new UserError('holdout must be random or newest');
  }
  if (
    params.perCategory !== undefined &&
    !(Array.isArray(params.perCategory) && params.perCategory.every((f) => CATEGORY_FEATURES.includes(f)))
  ) {
    throw new UserError(`perCategory must list some of ${CATEGORY_FEATURES.join(', ')}`);
  }
  const t = params.correlationThreshold;
  if (t !== undefined && !(t > 0 && t <= 1)) throw new UserError('correlationThreshold must be in (0, 1]');
  return { h, target };
}

/** Log1p + standardization fitted on some rows, then the selected columns. */
interface Prep {
  kept: number[];
  mean: Float64Array;
  sd: Float64Array;
}

/**
 * Skewed amounts and day spans enter as log1p: the churn history's, the per-category recencies. The
 * per-category order counts stay linear: a favourite's log-odds grow with each purchase of it.
 */
export const isLogged = (f: string) => LOGGED.has(f) || f.startsWith('recency:') || f === 'browseEvents';

function logged(m: ClassifyMatrix): Float64Array {
  const Z = Float64Array.from(m.X);
  m.features.forEach((f, j) => {
    if (!isLogged(f)) return;
    for (let i = 0; i < m.n; i++) Z[i * m.d + j] = Math.log1p(Math.max(0, Z[i * m.d + j]!));
  });
  return Z;
}

function fitScaler(Z: Float64Array, rows: Int32Array, d: number): { mean: Float64Array; sd: Float64Array } {
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const i of rows) for (let j = 0; j < d; j++) mean[j]! += Z[i * d + j]! / rows.length;
  for (const i of rows) for (let j = 0; j < d; j++) sd[j]! += (Z[i * d + j]! - mean[j]!) ** 2 / rows.length;
  // Constant columns become 0 (and are dropped by the selection anyway).
  for (let j = 0; j < d; j++) sd[j] = sd[j]! > 0 ? Math.sqrt(sd[j]!) : 1;
  return { mean, sd };
}

/** The prepared matrix (rows × kept columns) of the given rows. */
function applyPrep(m: ClassifyMatrix, rows: Int32Array, prep: Prep): Float64Array {
  const Z = logged(m);
  const k = prep.kept.length;
  const out = new Float64Array(rows.length * k);
  rows.forEach((i, r) => {
    for (let c = 0; c < k; c++) {
      const j = prep.kept[c]!;
      out[r * k + c] = (Z[i * m.d + j]! - prep.mean[j]!) / prep.sd[j]!;
    }
  });
  return out;
}

interface Labelled {
  m: ClassifyMatrix;
  rows: Int32Array;
  y: Int32Array;
}

/**
 * Rows a model is fitted or refitted on, and rows it is evaluated on, at most: past these, a stratified seeded sample
 * drawn from the labels before any feature is read (classify-sample.ts). Accuracy gains little beyond a hundred
 * thousand rows of a dozen classes while time grows with every row (on a 1,000,000-customer shop the job had not
 * finished after 25 minutes); the result's sizes and `sampling` say how many were used.
 */
const MAX_FIT_ROWS = 100_000;
const MAX_EVAL_ROWS = 50_000;

export { capRows };

interface FittedModel {
  proba(Z: Float64Array, n: number): Float64Array;
  /** The one-vs-rest trees, for the tree model. */
  trees?: Tree[];
  epochs: number | null;
  stoppedEarly: boolean | null;
}

function fitModel(
  params: ClassifyParams,
  Z: Float64Array,
  n: number,
  d: number,
  y: Int32Array,
  k: number,
): FittedModel {
  if (params.model === 'logistic') {
    const model = fitSoftmax(Z, n, d, y, k, { C: params.C ?? 1 });
    return { proba: (M, m) => softmaxProba(model, M, m), epochs: null, stoppedEarly: null };
  }
  if (params.model === 'tree') {
    const trees = fitOvrTrees(Z, n, d, y, k, {
      maxDepth: params.maxDepth ?? 5,
      minSamplesLeaf: params.minSamplesLeaf ?? 20,
    });
    return { proba: (M, m) => ovrTreeProba(trees, M, m), trees, epochs: null, stoppedEarly: null };
  }
  // Tabular data sets here are small (hundreds to thousands of rows): a larger step and patience than scikit-learn's
  // defaults let early stopping see a trained network rather than stall on a noisy validation score.
  const fit = fitMlp(Z, n, d, y, k, {
    hidden: params.hidden ?? 32,
    seed: params.seed,
    learningRate: 0.005,
    batchSize: 64,
    alpha: 1e-3,
    patience: 20,
  });
  return { proba: (M, m) => mlpPredictProba(fit.model, M, m), epochs: fit.epochs, stoppedEarly: fit.stoppedEarly };
}

/**
 * argmax of p(c | x) / π(c), π the training class shares: the Bayes decision
 * had every class been equally common (prior shift, no refit, no tuning).
 */
function balancedDecision(P: Float64Array, n: number, y: Int32Array, k: number): Int32Array {
  const prior = new Float64Array(k);
  for (const c of y) prior[c]! += 1 / y.length;
  const Q = Float64Array.from(P, (p, t) => p / Math.max(prior[t % k]!, 1e-12));
  return argmaxRows(Q, n, k);
}

/** The `top` most probable predictions, ties by customer id (the order of the full sort). */
export function topCustomers(list: ClassifiedCustomer[], top: number): ClassifiedCustomer[] {
  return list.sort((a, b) => b.probability - a.probability || a.customerId - b.customerId).slice(0, top);
}

const accuracyOf = (pred: ArrayLike<number>, y: ArrayLike<number>) => {
  let hit = 0;
  for (let i = 0; i < y.length; i++) hit += pred[i] === y[i] ? 1 : 0;
  return hit / y.length;
};

function latestSaleDay(db: Db): string {
  const last = db
    .prepare(`SELECT MAX(placed_at) FROM orders WHERE status NOT IN ('cancelled', 'returned')`)
    .pluck()
    .get() as number | null;
  if (last === null) throw new UserError('no sales in the workspace: nothing to classify');
  return isoOf(Math.floor(last / DAY));
}

/** Sizes a test can shrink to exercise, on a small shop, what only a big shop reaches. */
export interface ClassifyLimits {
  maxFitRows: number;
  maxEvalRows: number;
  /** Customers scored per block. */
  scoreBlock: number;
}

const LIMITS: ClassifyLimits = { maxFitRows: MAX_FIT_ROWS, maxEvalRows: MAX_EVAL_ROWS, scoreBlock: SCOPE_BLOCK };

/** Runs the classify analysis; see the module comment. */
export async function runClassify(
  db: Db,
  params: ClassifyParams,
  ctx: JobContext,
  limits: ClassifyLimits = LIMITS,
): Promise<ClassifyResult> {
  const { maxFitRows, maxEvalRows, scoreBlock } = limits;
  const { h, target } = check(params);
  const runId = startRun(db, 'classify', params, params.seed);
  try {
    const asOf = params.asOf ?? latestSaleDay(db);
    const T = scoringDay(asOf);
    const minSize = params.minClassSize ?? 10;
    const perCategory = params.perCategory ?? DEFAULT_CATEGORY_FEATURES;
    const holdout = params.holdout ?? 'random';
    ctx.progress(0, 5, 'reading labels and sampling');
    let train: Labelled;
    let evalSet: Labelled;
    let refit: Labelled;
    let windows: ClassifyResult['windows'];
    let vocab: Vocabulary;
    let classes: string[];
    let droppedRare: number;
    let droppedUnseen: number;
    let historyBaseline: number | null = null;
    let pooling: ClassifyResult['pooling'] = null;
    let sampledFrom: ClassifySampling;
    // Labels of every customer first (a few bytes each), then the capped samples, then features of those only.
    const tooFew = (k: number) =>
      new UserError(
        `fewer than 2 classes have ${minSize} or more training customers (found ${k}): nothing to classify`,
      );
    const matrix = (pool: LabelPool, rows: Int32Array, y: Int32Array): Labelled => {
      const m = featuresOfRows(db, pool, rows, vocab, target, perCategory);
      return { m, rows: Int32Array.from({ length: m.n }, (_, i) => i), y };
    };
    type Encoded = ReturnType<typeof encodePool>;
    /**
     * The training, evaluation and refit samples (seeded, stratified, capped) drawn from the encoded label pools
     * before any feature is read; then the features of the sampled customers only.
     */
    const sampleAndBuild = (
      k: number,
      t: { pool: LabelPool; encoded: Encoded },
      e: { pool: LabelPool; encoded: Encoded },
      r: { pool: LabelPool; encoded: Encoded },
    ) => {
      const sTrain = capRows(t.encoded, k, maxFitRows, params.seed);
      const sEval = capRows(e.encoded, k, maxEvalRows, params.seed + 1);
      const sRefit = capRows(r.encoded, k, maxFitRows, params.seed + 2);
      ctx.progress(0, 5, 'building features of the sampled customers');
      return {
        droppedRare: t.encoded.dropped,
        droppedUnseen: e.encoded.dropped,
        sampledFrom: { train: t.encoded.rows.length, evaluation: e.encoded.rows.length, refit: r.encoded.rows.length },
        train: matrix(t.pool, sTrain.rows, sTrain.y),
        evalSet: matrix(e.pool, sEval.rows, sEval.y),
        refit: matrix(r.pool, sRefit.rows, sRefit.y),
      };
    };
    const vocabFrom = vocabularySample(db, params.seed);
    if (target === 'preferred-category') {
      vocab = vocabularyAt(db, T - 2 * h, undefined, undefined, vocabFrom ?? undefined);
      const W = params.trainWindows ?? 3;
      const trainPool = pooledLabels(db, T - 2 * h, h, W);
      classes = chooseClasses(trainPool, minSize);
      if (classes.length < 2) throw tooFew(classes.length);
      const k = classes.length;
      const eTrain = encodePool(trainPool, classes);
      // The evaluation window is also the refit's first: its labels are read once.
      const evalLabels = preferredCategoryAt(db, T - h, h);
      const evalPool = singleWindow(T - h, evalLabels);
      const eEval = encodePool(evalPool, classes);
      const refitPool = pooledLabels(db, T - h, h, W, evalLabels);
      const eRefit = encodePool(refitPool, classes);
      ({ train, evalSet, refit, droppedRare, droppedUnseen, sampledFrom } = sampleAndBuild(
        k,
        { pool: trainPool, encoded: eTrain },
        { pool: evalPool, encoded: eEval },
        { pool: refitPool, encoded: eRefit },
      ));
      pooling = { trainCutoffs: poolCutoffs(trainPool), refitCutoffs: poolCutoffs(refitPool) };
      windows = { trainCutoff: isoOf(T - 2 * h), evalCutoff: isoOf(T - h), scoreCutoff: isoOf(T) };
      // "Same as before" on the evaluation customers the model is scored on.
      const hist = historyPreferredCategory(db, evalSet.m.customerIds, T - h);
      historyBaseline = accuracyOf(
        hist.map((c) => classes.indexOf(c ?? '')),
        evalSet.y,
      );
    } else {
      vocab = vocabularyAt(db, T, undefined, undefined, vocabFrom ?? undefined);
      const all = columnLabelsAt(db, target, T);
      const firstSale = all.firstSaleDay!;
      const labelledRows = Array.from({ length: all.ids.length }, (_, i) => i)
        .filter((i) => all.codes[i]! >= 0)
        .sort((a, b) => firstSale[a]! - firstSale[b]! || a - b);
      const cut = Math.floor(labelledRows.length * 0.8);
      const part = new Uint8Array(all.ids.length); // 1 train, 2 evaluation
      if (holdout === 'newest') {
        // Oldest 80% of the labelled customers (by first sale, then id) train; the newest 20% evaluate.
        labelledRows.forEach((i, r) => (part[i] = r < cut ? 1 : 2));
        windows = { heldOutFirstSaleFrom: labelledRows.length > cut ? isoOf(firstSale[labelledRows[cut]!]!) : '' };
      } else {
        // A seeded 20% of each label: the population whose labels are missing (at random) is the one scored.
        // Labels numbered in order of first appearance among the rows above, as the split's shuffles expect.
        const order = new Map<number, number>();
        const y = labelledRows.map((i) => {
          const l = all.codes[i]!;
          if (!order.has(l)) order.set(l, order.size);
          return order.get(l)!;
        });
        const split = stratifiedHoldout(y, order.size, 0.2, params.seed);
        for (const r of split.train) part[labelledRows[r]!] = 1;
        for (const r of split.valid) part[labelledRows[r]!] = 2;
        windows = { heldOutRandomShare: 0.2 };
      }
      const pool = singleWindow(T, all);
      // pool rows are the labelled customers in id order; `part` is indexed by all customers.
      const partOf = new Uint8Array(pool.ids.length);
      for (let i = 0, r = 0; i < all.ids.length; i++) if (all.codes[i]! >= 0) partOf[r++] = part[i]!;
      const trainRows = Int32Array.from({ length: pool.ids.length }, (_, r) => r).filter((r) => partOf[r] === 1);
      const evalRows = Int32Array.from({ length: pool.ids.length }, (_, r) => r).filter((r) => partOf[r] === 2);
      classes = chooseClasses(pool, minSize, trainRows);
      if (classes.length < 2) throw tooFew(classes.length);
      const k = classes.length;
      const eTrain = encodePool(pool, classes, trainRows);
      const eEval = encodePool(pool, classes, evalRows);
      const eRefit = encodePool(pool, classes);
      ({ train, evalSet, refit, droppedRare, droppedUnseen, sampledFrom } = sampleAndBuild(
        k,
        { pool, encoded: eTrain },
        { pool, encoded: eEval },
        { pool, encoded: eRefit },
      ));
    }
    const k = classes.length;
    if (train.rows.length < 20) throw new UserError(`only ${train.rows.length} labelled training customers: too few`);
    if (evalSet.rows.length < 5)
      throw new UserError(`only ${evalSet.rows.length} labelled evaluation customers: too few`);
    ctx.throwIfCancelled();

    ctx.progress(1, 5, 'preparing features');
    const d = train.m.d;
    const Ltrain = logged(train.m);
    const scaler = fitScaler(Ltrain, train.rows, d);
    const allCols = Array.from({ length: d }, (_, j) => j);
    const Ztrain = applyPrep(train.m, train.rows, { kept: allCols, ...scaler });
    const selection = selectUncorrelated(Ztrain, train.rows.length, d, train.m.features, {
      threshold: params.correlationThreshold ?? 0.95,
      relevance: classRelevance(Ztrain, train.rows.length, d, train.y, k),
    });
    const kept = selection.kept;
    const m = kept.length;
    if (m === 0) throw new UserError('every feature is constant in the training window');
    const prep: Prep = { kept, ...scaler };
    const Xtrain = selectColumns(Ztrain, train.rows.length, d, kept);
    ctx.throwIfCancelled();

    ctx.progress(2, 5, `fitting ${params.model} and evaluating`);
    const model = fitModel(params, Xtrain, train.rows.length, m, train.y, k);
    const Xeval = applyPrep(evalSet.m, evalSet.rows, prep);
    const nEval = evalSet.rows.length;
    const Peval = model.proba(Xeval, nEval);
    const predEval = argmaxRows(Peval, nEval, k);
    const report = multiclassReport(evalSet.y, predEval, k);
    const balanced = multiclassReport(evalSet.y, balancedDecision(Peval, nEval, train.y, k), k);
    let majority = 0;
    for (let c = 1; c < k; c++) {
      if (train.y.filter((v) => v === c).length > train.y.filter((v) => v === majority).length) majority = c;
    }
    const groups: FeatureGroup[] = train.m.groups
      .map((g) => ({ name: g.name, columns: g.columns.map((j) => kept.indexOf(j)).filter((c) => c >= 0) }))
      .filter((g) => g.columns.length > 0);
    const imp = permutationImportances(
      Xeval,
      nEval,
      m,
      (M) => argmaxRows(model.proba(M, nEval), nEval, k),
      (pred) => accuracyOf(pred, evalSet.y),
      { repeats: 5, seed: params.seed, groups, onGroup: () => ctx.throwIfCancelled() },
    );
    ctx.throwIfCancelled();

    ctx.progress(3, 5, 'refitting on the latest labelled data');
    const refitScaler = fitScaler(logged(refit.m), refit.rows, d);
    const refitPrep: Prep = { kept, ...refitScaler };
    const final = fitModel(params, applyPrep(refit.m, refit.rows, refitPrep), refit.rows.length, m, refit.y, k);
    const features = train.m.features;
    const rules = final.trees
      ? classRules(
          final.trees,
          classes,
          kept.map((j) => features[j]!),
          (c, t) => {
            const j = kept[c]!;
            const v = refitScaler.mean[j]! + t * refitScaler.sd[j]!;
            return isLogged(features[j]!) ? Math.expm1(v) : v;
          },
        )
      : null;
    ctx.throwIfCancelled();

    ctx.progress(4, 5, 'scoring customers');
    // Block by block: only the top list is kept, so scoring a million customers holds one block's features.
    const top = params.top ?? 200;
    const ids = allCustomerIds(db);
    let customers: ClassifiedCustomer[] = [];
    let scored = 0;
    for (let at = 0; at < ids.length; at += scoreBlock) {
      const score = classifyFeatures(db, T, vocab, target, perCategory, ids.subarray(at, at + scoreBlock));
      if (score.n === 0) continue;
      const P = final.proba(
        applyPrep(
          score,
          Int32Array.from({ length: score.n }, (_, i) => i),
          refitPrep,
        ),
        score.n,
      );
      const pred = argmaxRows(P, score.n, k);
      const actual = target === 'preferred-category' ? null : columnLabels(db, score.customerIds, target, T);
      for (let i = 0; i < score.n; i++) {
        customers.push({
          customerId: score.customerIds[i]!,
          externalId: score.externalIds[i]!,
          predicted: classes[pred[i]!]!,
          probability: P[i * k + pred[i]!]!,
          actual: actual?.[i] ?? null,
        });
      }
      customers = topCustomers(customers, top);
      scored += score.n;
      ctx.progress(4 + Math.min(at + scoreBlock, ids.length) / ids.length, 5, 'scoring customers');
      ctx.throwIfCancelled();
    }
    ctx.progress(5, 5);

    const logFeatures = train.m.features.filter(isLogged);
    const result: ClassifyResult = {
      runId,
      asOf,
      target,
      model: params.model,
      horizonDays: target === 'preferred-category' ? h : null,
      windows,
      classes,
      pooling,
      features: train.m.features,
      preparation: {
        transforms: [{ kind: 'log1p', features: logFeatures }, { kind: 'standardize' }],
        featureSelection: selection,
      },
      train: {
        customers: train.rows.length,
        classCounts: classes.map((_, c) => train.y.filter((v) => v === c).length),
        droppedRareClass: droppedRare,
      },
      evaluation: { customers: nEval, droppedUnseenClass: droppedUnseen },
      metrics: { ...report, perClass: report.perClass.map((p, c) => ({ class: classes[c]!, ...p })) },
      baseline: { majority: accuracyOf(new Int32Array(nEval).fill(majority), evalSet.y), history: historyBaseline },
      balancedDecision: {
        accuracy: balanced.accuracy,
        macroPrecision: balanced.macroPrecision,
        macroRecall: balanced.macroRecall,
        macroF1: balanced.macroF1,
      },
      importances: imp.importances,
      training: { epochs: model.epochs, stoppedEarly: model.stoppedEarly },
      classRules: rules,
      sampling: {
        ...sampledFrom,
        caps: { fit: maxFitRows, evaluation: maxEvalRows },
        seed: params.seed,
        vocabularyFromCustomers: vocabFrom?.length ?? null,
      },
      scored,
      customers,
    };
    finishRun(
      db,
      runId,
      {
        accuracy: report.accuracy,
        macroF1: report.macroF1,
        baselineAccuracy: result.baseline.majority,
        historyAccuracy: historyBaseline,
      },
      result,
    );
    return result;
  } catch (err) {
    failRun(db, runId, err);
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
}
