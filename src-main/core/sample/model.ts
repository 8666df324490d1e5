/**
 * The sample shop's generating model: every parameter an analysis can be
 * checked against. `truthDocument` serializes exactly these constants into
 * meta `sample_truth`, so the stored truth and the generator cannot drift.
 * GROUND_TRUTH.md explains each number and how to recover it.
 */

export const DAY = 86_400;
/** BG/NBD rates are per week: λ is purchases per week while alive. */
export const WEEK = 7 * DAY;
export const HISTORY_DAYS = 3 * 365;

export const segments = ['loyal', 'bargain', 'occasional', 'lapsed', 'new'] as const;
export type Segment = (typeof segments)[number];

export const channels = ['app', 'web', 'mini-program', 'store'] as const;
export type Channel = (typeof channels)[number];

export const categoryKeys = [
  'electronics',
  'apparel',
  'shoes',
  'beauty',
  'home',
  'kitchen',
  'food',
  'baby',
  'sports',
  'books',
  'pets',
  'health',
] as const;
export type CategoryKey = (typeof categoryKeys)[number];

/** Age groups by age = asOf year − birth year, split at 18 / 35 / 60. */
export const ageGroups = ['少年', '青年', '中年', '老年'] as const;
export const ageRanges: readonly (readonly [number, number])[] = [
  [14, 17],
  [18, 34],
  [35, 59],
  [60, 80],
];

export interface SegmentModel {
  label: string;
  share: number;
  /** BG/NBD: λ ~ Gamma(shape r, rate α) per week; dropout p ~ Beta(a, b). */
  bgnbd: { r: number; alpha: number; a: number; b: number };
  /** Gamma-Gamma on the paid order amount: ν ~ Gamma(shape q, rate γ); amount | ν ~ Gamma(shape p, rate ν). */
  gammaGamma: { p: number; q: number; gamma: number };
  /** First purchase uniform between these many days before the observation end. */
  signupDaysBeforeEnd: readonly [number, number];
  couponRate: number;
  /** Chance that a sale is followed by a return order. */
  returnRate: number;
  /** Share of the segment's customers with browse sessions, and the mean session count. */
  eventShare: number;
  sessionsMean: number;
  campaign: { baseRate: number; uplift: number };
  /** Mean channel preference; each customer draws Dirichlet(concentration × mean). */
  channels: Record<Channel, number>;
  /** Multipliers on the global category weights. */
  categoryTilt: Partial<Record<CategoryKey, number>>;
  femaleShare: number;
  otherGenderShare: number;
  ageGroupWeights: readonly [number, number, number, number];
  chinaShare: number;
}

export const segmentModels: Record<Segment, SegmentModel> = {
  loyal: {
    label: '忠诚高消费 loyal high spenders',
    share: 0.15,
    bgnbd: { r: 4, alpha: 10, a: 1.2, b: 40 },
    gammaGamma: { p: 6, q: 4, gamma: 150 },
    signupDaysBeforeEnd: [HISTORY_DAYS, 180],
    couponRate: 0.12,
    returnRate: 0.035,
    eventShare: 0.6,
    sessionsMean: 6,
    campaign: { baseRate: 0.1, uplift: 0 },
    channels: { app: 0.55, web: 0.2, 'mini-program': 0.15, store: 0.1 },
    categoryTilt: { electronics: 1.6, beauty: 1.3, shoes: 1.3, sports: 1.2, food: 0.7 },
    femaleShare: 0.52,
    otherGenderShare: 0.02,
    ageGroupWeights: [0.03, 0.45, 0.42, 0.1],
    chinaShare: 0.8,
  },
  bargain: {
    label: '价格敏感 bargain hunters',
    share: 0.25,
    bgnbd: { r: 3, alpha: 13, a: 2, b: 30 },
    gammaGamma: { p: 5, q: 5, gamma: 60 },
    signupDaysBeforeEnd: [HISTORY_DAYS, 60],
    couponRate: 0.55,
    returnRate: 0.07,
    eventShare: 0.45,
    sessionsMean: 6,
    campaign: { baseRate: 0.05, uplift: 0.12 },
    channels: { app: 0.3, web: 0.15, 'mini-program': 0.45, store: 0.1 },
    categoryTilt: { food: 1.8, home: 1.4, kitchen: 1.4, pets: 1.2, electronics: 0.6, sports: 0.7 },
    femaleShare: 0.62,
    otherGenderShare: 0.02,
    ageGroupWeights: [0.05, 0.35, 0.4, 0.2],
    chinaShare: 0.9,
  },
  occasional: {
    label: '偶尔购买 occasional',
    share: 0.3,
    bgnbd: { r: 2, alpha: 20, a: 2, b: 16 },
    gammaGamma: { p: 5, q: 4, gamma: 80 },
    signupDaysBeforeEnd: [HISTORY_DAYS, 60],
    couponRate: 0.1,
    returnRate: 0.045,
    eventShare: 0.25,
    sessionsMean: 4,
    campaign: { baseRate: 0.04, uplift: 0 },
    channels: { app: 0.25, web: 0.4, 'mini-program': 0.2, store: 0.15 },
    categoryTilt: { books: 1.5, health: 1.3, apparel: 1.2 },
    femaleShare: 0.5,
    otherGenderShare: 0.02,
    ageGroupWeights: [0.06, 0.4, 0.38, 0.16],
    chinaShare: 0.75,
  },
  lapsed: {
    label: '已流失 lapsed',
    share: 0.15,
    bgnbd: { r: 2, alpha: 8, a: 3, b: 6 },
    gammaGamma: { p: 4, q: 4, gamma: 90 },
    signupDaysBeforeEnd: [HISTORY_DAYS, HISTORY_DAYS - 540],
    couponRate: 0.15,
    returnRate: 0.055,
    eventShare: 0.2,
    sessionsMean: 4,
    campaign: { baseRate: 0.02, uplift: 0 },
    channels: { app: 0.25, web: 0.45, 'mini-program': 0.15, store: 0.15 },
    categoryTilt: { apparel: 1.4, shoes: 1.2 },
    femaleShare: 0.5,
    otherGenderShare: 0.02,
    ageGroupWeights: [0.05, 0.5, 0.35, 0.1],
    chinaShare: 0.8,
  },
  new: {
    label: '新客 new',
    share: 0.15,
    bgnbd: { r: 3, alpha: 10, a: 2, b: 20 },
    gammaGamma: { p: 5, q: 4, gamma: 90 },
    signupDaysBeforeEnd: [120, 1],
    couponRate: 0.3,
    returnRate: 0.045,
    eventShare: 0.5,
    sessionsMean: 5,
    campaign: { baseRate: 0.06, uplift: 0 },
    channels: { app: 0.4, web: 0.15, 'mini-program': 0.4, store: 0.05 },
    categoryTilt: { beauty: 1.4, apparel: 1.3, baby: 1.3 },
    femaleShare: 0.58,
    otherGenderShare: 0.03,
    ageGroupWeights: [0.12, 0.6, 0.22, 0.06],
    chinaShare: 0.7,
  },
};

export const channelConcentration = 8;

/** Global category weights before segment, demographic and latent tilts. */
export const categoryWeights: Record<CategoryKey, number> = {
  electronics: 1.2,
  apparel: 1.3,
  shoes: 0.8,
  beauty: 1,
  home: 1,
  kitchen: 0.7,
  food: 1.2,
  baby: 0.6,
  sports: 0.7,
  books: 0.5,
  pets: 0.5,
  health: 0.6,
};

/** Category multipliers by age group (index as ageGroups) and gender. */
export const ageCategoryTilt: readonly Partial<Record<CategoryKey, number>>[] = [
  { electronics: 1.5, books: 1.5, sports: 1.3, baby: 0.1, health: 0.3, kitchen: 0.4 },
  { beauty: 1.2, apparel: 1.2, electronics: 1.2, health: 0.6 },
  { baby: 1.6, home: 1.3, kitchen: 1.3 },
  { health: 2, food: 1.3, kitchen: 1.2, electronics: 0.6, apparel: 0.7, baby: 0.5 },
];
export const genderCategoryTilt: Record<'female' | 'male', Partial<Record<CategoryKey, number>>> = {
  female: { beauty: 2, baby: 1.3, apparel: 1.2 },
  male: { electronics: 1.5, sports: 1.3, beauty: 0.4 },
};

/** Known low-rank affinity: score(i, j) = u_i · v_j with k latent dimensions. */
export const latentModel = {
  k: 8,
  customerSd: 0.6,
  categoryCentroidSd: 0.5,
  productNoiseSd: 0.45,
  popularitySd: 0.5,
};

export const orderModel = {
  /** Sales (repeat or first) followed by an extra cancelled order. */
  cancelRate: 0.032,
  /** Sales placed within this many days of the observation end are still pending. */
  pendingDays: 2,
  /** Lines per basket: 1 + min(5, Poisson(1.5)) picks; repeats of a product merge into one line. */
  extraLinesMean: 1.5,
  maxLines: 6,
  returnDelayDays: [2, 30] as const,
  cancelDelayHours: [1, 72] as const,
};

export const coupons: readonly { code: string; threshold: number; value: number }[] = [
  { code: 'DAILY5', threshold: 30, value: 5 },
  { code: 'MJ100-10', threshold: 100, value: 10 },
  { code: 'MJ200-30', threshold: 200, value: 30 },
  { code: 'MJ300-50', threshold: 300, value: 50 },
];

export const ratingModel = {
  /** Chance that a customer rates a product the first time they buy it. */
  rateProb: 0.3,
  /** Chance that a rating comes with a written review. */
  reviewProb: 0.35,
  mu: 3.8,
  userBiasSd: 0.35,
  itemBiasSd: 0.3,
  affinityWeight: 0.6,
  noiseSd: 0.75,
  delayDays: [1, 20] as const,
};

export const eventStates = ['view', 'search', 'cart', 'purchase', 'favorite', 'exit'] as const;
export type EventState = (typeof eventStates)[number];

/** First-order Markov chain: rows are from-states (exit is absorbing), columns follow eventStates. */
export const markovModel = {
  start: { view: 0.6, search: 0.4 } as Record<string, number>,
  // prettier-ignore
  matrix: [
    /* view     */ [0.45, 0.12, 0.12, 0, 0.06, 0.25],
    /* search   */ [0.7, 0.1, 0, 0, 0, 0.2],
    /* cart     */ [0.25, 0.05, 0.1, 0.35, 0.05, 0.2],
    /* purchase */ [0.15, 0.05, 0, 0, 0, 0.8],
    /* favorite */ [0.5, 0.1, 0.15, 0, 0, 0.25],
  ] as readonly (readonly number[])[],
  meanGapSeconds: 40,
  visitorsPerCustomer: 0.25,
  visitorSessionsExtraMean: 0.6,
};

export const campaignModel = {
  externalId: 'CMP-2025-WINTER',
  name: '冬季优惠券测试 Winter coupon test',
  channel: 'app-push',
  coupon: 'WINTER25',
  couponValue: 25,
  /** Days before the observation end when the campaign is sent. */
  sentDaysBeforeEnd: 31,
  responseWindowDays: 14,
  /** Eligible: first purchase at least this many days before sending. */
  minTenureDays: 30,
  treatmentShare: 0.5,
  meanResponseDelayDays: 2,
};

export const stockModel = {
  understockedShare: 0.15,
  understockedCover: [0.1, 0.7] as const,
  coveredCover: [1.5, 4] as const,
  noDemandStock: [5, 50] as const,
};

export const missingRates = { birthYear: 0.03, occupation: 0.08, interests: 0.1, email: 0.25 };
