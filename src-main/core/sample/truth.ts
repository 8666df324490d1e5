/**
 * The ground-truth document stored in meta `sample_truth`: the model constants
 * verbatim plus what this run decided (seed, dates, sizes). Built from
 * model.ts so the document is the generator's own parameters, not a copy.
 */
import { aspects } from './reviews.ts';
import {
  ageCategoryTilt,
  ageGroups,
  ageRanges,
  campaignModel,
  categoryWeights,
  channelConcentration,
  coupons,
  eventStates,
  genderCategoryTilt,
  latentModel,
  markovModel,
  missingRates,
  orderModel,
  ratingModel,
  segmentModels,
  segments,
  stockModel,
  WEEK,
} from './model.ts';

export interface RunInfo {
  seed: number;
  customers: number;
  products: number;
  visitors: number;
  asOf: string;
  /** Exclusive end of the observed history: midnight after asOf, unix seconds. */
  observationEnd: number;
  historyStart: number;
  campaignSentAt: number;
  understockedSkus: string[];
}

export function truthDocument(run: RunInfo) {
  const share = (f: (s: (typeof segmentModels)[keyof typeof segmentModels]) => number) =>
    segments.reduce((acc, s) => acc + segmentModels[s].share * f(segmentModels[s]), 0);
  return {
    version: 1,
    ...run,
    timeUnit: 'week',
    weekSeconds: WEEK,
    segments: segmentModels,
    /** Population means of the segment mixture (not a single BG/NBD: fit per segment to recover parameters). */
    population: {
      meanLambdaPerWeek: share((m) => m.bgnbd.r / m.bgnbd.alpha),
      meanDropoutP: share((m) => m.bgnbd.a / (m.bgnbd.a + m.bgnbd.b)),
      meanOfMeanSpend: share((m) => (m.gammaGamma.p * m.gammaGamma.gamma) / (m.gammaGamma.q - 1)),
    },
    channelConcentration,
    categoryWeights,
    ageGroups: ageGroups.map((name, i) => ({ name, ages: ageRanges[i], categoryTilt: ageCategoryTilt[i] })),
    genderCategoryTilt,
    latent: {
      ...latentModel,
      choice: 'category ∝ weight × tilts × exp(u·centroid_c); product in category ∝ exp(u·v_j + popularity_j)',
    },
    orders: { ...orderModel, coupons },
    ratings: {
      ...ratingModel,
      formula: 'round(clip(mu + user_bias + item_bias + affinityWeight × u·v + N(0, noiseSd²), 1, 5))',
    },
    markov: {
      states: eventStates,
      start: markovModel.start,
      matrix: Object.fromEntries(
        eventStates
          .slice(0, -1)
          .map((from, i) => [
            from,
            Object.fromEntries(eventStates.map((to, j) => [to, markovModel.matrix[i]?.[j] ?? 0])),
          ]),
      ),
      meanGapSeconds: markovModel.meanGapSeconds,
      visitorsPerCustomer: markovModel.visitorsPerCustomer,
    },
    reviews: { labelFromRating: { positive: [4, 5], neutral: [3], negative: [1, 2] }, aspects },
    campaign: {
      ...campaignModel,
      sentAt: run.campaignSentAt,
      responseRate: Object.fromEntries(
        segments.map((s) => {
          const c = segmentModels[s].campaign;
          return [s, { control: c.baseRate, treatment: c.baseRate + c.uplift, uplift: c.uplift }];
        }),
      ),
    },
    stock: { ...stockModel, forecast: 'monthly demand = units sold in the last 90 days / 3' },
    missing: missingRates,
  };
}

export type SampleTruth = ReturnType<typeof truthDocument>;
