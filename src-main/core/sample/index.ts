/** The embedded sample shop with known ground truth (see GROUND_TRUTH.md). */
export { generateSampleShop, SampleShopCancelled } from './generate.ts';
export type { SampleShopOptions, SampleShopSummary } from './generate.ts';
export type { SampleShopCounts } from './writer.ts';
export type { SampleTruth } from './truth.ts';
export { expectedRepeats, expectedRepeatsGiven, varianceRepeatsGiven } from './bgnbd.ts';
export type { BgnbdParams } from './bgnbd.ts';
