/** The language model's structured work on a workspace: personas, review insights, product copy. */
export { generatePersona, personaSubject, readPersonas } from './persona.ts';
export type { PersonaRecord, PersonaRequest, PersonaScope } from './persona.ts';
export { analyzeReviews, readReviewFailures, readReviewInsights } from './reviews.ts';
export type { ReviewBatchOptions, ReviewBatchResult, ReviewFailure, StoredInsight } from './reviews.ts';
export { findProduct, generateProductCopy, readProductCopy } from './product-copy.ts';
export type { ProductCopyRecord, ProductCopyRequest } from './product-copy.ts';
export { ASPECTS, CHANNELS, LIMITS } from './schemas.ts';
export type { Aspect, Channel, Persona, ProductCopy, ReviewInsight } from './schemas.ts';
export { TaskOutputError } from './structured.ts';
export type { TaskControl, TaskLanguage } from './structured.ts';
