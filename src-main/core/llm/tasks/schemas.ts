// The shapes of the language model's structured work. Each is built once from small field builders, so the JSON
// schema that becomes node-llama-cpp's grammar and the zod validator that checks the parsed result cannot drift.
// Every string and array is bounded: the grammar then has a longest possible output, so even a model that never
// chooses to close a string (small or random-weight models) ends within a known number of tokens.
import { z } from 'zod';

interface Field<T> {
  /** JSON schema in the subset node-llama-cpp turns into a grammar (GbnfJsonSchema). */
  json: Record<string, unknown>;
  zod: z.ZodType<T>;
  /** The most characters the grammar lets this value take in the output, layout included. */
  maxChars: number;
}

// node-llama-cpp's number grammar: sign, 16 digits, 16 decimals, an exponent of 16 digits.
const NUMBER_CHARS = 52;
// Whitespace the grammar allows around a value: a newline and indentation of up to a few levels.
const LAYOUT_CHARS = 16;

/** Characters as the grammar counts them (one per code point; an emoji is one, not two UTF-16 units). */
export const charCount = (s: string): number => [...s].length;

function text(minLength: number, maxLength: number): Field<string> {
  return {
    json: { type: 'string', minLength, maxLength },
    zod: z.string().refine((s) => charCount(s) >= minLength && charCount(s) <= maxLength, {
      message: `must be ${minLength}–${maxLength} characters`,
    }),
    // An escape (\n, \uXXXX) is one grammar character but several in the text: count the common two-character one.
    maxChars: 2 + maxLength * 2,
  };
}

function oneOf<const T extends string>(values: readonly [T, ...T[]]): Field<T> {
  return {
    json: { enum: [...values] },
    zod: z.enum(values as unknown as [T, ...T[]]) as unknown as z.ZodType<T>,
    maxChars: 2 + Math.max(...values.map((v) => v.length)),
  };
}

function num(): Field<number> {
  // JSON.parse turns an over-long exponent into ±Infinity: a number still, for the task to clamp.
  const zod = z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), 'must be a number');
  return { json: { type: 'number' }, zod, maxChars: NUMBER_CHARS };
}

function list<T>(item: Field<T>, minItems: number, maxItems: number): Field<T[]> {
  return {
    json: { type: 'array', items: item.json, minItems, maxItems },
    zod: z.array(item.zod).min(minItems).max(maxItems),
    maxChars: 2 + LAYOUT_CHARS + maxItems * (item.maxChars + 2 + LAYOUT_CHARS),
  };
}

type Shape = Record<string, Field<unknown>>;
type ShapeType<S extends Shape> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

function object<S extends Shape>(shape: S): Field<ShapeType<S>> {
  const keys = Object.keys(shape);
  const zodShape = Object.fromEntries(keys.map((k) => [k, shape[k]!.zod]));
  return {
    json: {
      type: 'object',
      properties: Object.fromEntries(keys.map((k) => [k, shape[k]!.json])),
      required: keys,
      additionalProperties: false,
    },
    zod: z.strictObject(zodShape) as unknown as z.ZodType<ShapeType<S>>,
    maxChars: 2 + LAYOUT_CHARS + keys.reduce((s, k) => s + k.length + 4 + LAYOUT_CHARS + shape[k]!.maxChars, 0),
  };
}

export const CHANNELS = ['sms', 'push', 'email', 'social', 'in-store', 'phone', 'app', 'mail'] as const;
export type Channel = (typeof CHANNELS)[number];

export const ASPECTS = [
  'price',
  'quality',
  'delivery',
  'service',
  'packaging',
  'size',
  'taste',
  'durability',
  'usability',
  'other',
] as const;
export type Aspect = (typeof ASPECTS)[number];

/** Limits the prompts state in words too (the grammar enforces them; a model told nothing writes past them). */
export const LIMITS = {
  personaName: 40,
  portrait: 320,
  item: 60,
  items: 3,
  channels: 3,
  summary: 100,
  reply: 280,
  description: 400,
  sellingPoint: 60,
  sellingPoints: 4,
} as const;

export interface Persona {
  name: string;
  /** One paragraph. */
  portrait: string;
  motivations: string[];
  preferredChannels: Channel[];
  offersToTry: string[];
  risks: string[];
}

/** What the model writes about a review; ReviewInsight is what is stored after the task's checks. */
export interface ReviewInsightOutput {
  sentiment: number;
  aspects: Aspect[];
  summary: string;
  reply: string;
}

export interface ProductCopy {
  description: string;
  sellingPoints: string[];
}

const personaField: Field<Persona> = object({
  name: text(1, LIMITS.personaName),
  portrait: text(1, LIMITS.portrait),
  motivations: list(text(1, LIMITS.item), 1, LIMITS.items),
  preferredChannels: list(oneOf(CHANNELS), 1, LIMITS.channels),
  offersToTry: list(text(1, LIMITS.item), 1, LIMITS.items),
  risks: list(text(1, LIMITS.item), 1, LIMITS.items),
});

const reviewInsightField: Field<ReviewInsightOutput> = object({
  sentiment: num(),
  aspects: list(oneOf(ASPECTS), 1, 3),
  summary: text(1, LIMITS.summary),
  // Empty unless the review is negative; the grammar can not tie it to the sentiment, the task does.
  reply: text(0, LIMITS.reply),
});

const productCopyField: Field<ProductCopy> = object({
  description: text(1, LIMITS.description),
  sellingPoints: list(text(1, LIMITS.sellingPoint), 2, LIMITS.sellingPoints),
});

export interface TaskSchema<T> {
  /** For the grammar (LlmRuntime.json). */
  json: Record<string, unknown>;
  /** Checks the parsed model output. */
  validate: z.ZodType<T>;
  /** Longest output the grammar allows, in characters: the basis of the call's maxTokens. */
  maxChars: number;
}

const asSchema = <T>(f: Field<T>): TaskSchema<T> => ({ json: f.json, validate: f.zod, maxChars: f.maxChars });

export const personaSchema: TaskSchema<Persona> = asSchema(personaField);
export const reviewInsightSchema: TaskSchema<ReviewInsightOutput> = asSchema(reviewInsightField);
export const productCopySchema: TaskSchema<ProductCopy> = asSchema(productCopyField);

/** A stored review insight: sentiment within −1…1, a one-line summary, a reply only for a negative review. */
export interface ReviewInsight {
  sentiment: number;
  aspects: Aspect[];
  summary: string;
  reply: string | null;
}

export const StoredReviewInsight: z.ZodType<ReviewInsight> = z
  .strictObject({
    sentiment: z.number().min(-1).max(1),
    aspects: z.array(z.enum(ASPECTS)).min(1).max(3),
    summary: z
      .string()
      .min(1)
      .refine((s) => !/[\r\n]/.test(s) && charCount(s) <= LIMITS.summary, 'must be one line'),
    reply: z
      .string()
      .refine((s) => s.trim() !== '' && charCount(s) <= LIMITS.reply, `must be 1–${LIMITS.reply} characters`)
      .nullable(),
  })
  .refine((r) => r.reply === null || r.sentiment < 0, { message: 'a reply is drafted only for a negative review' });

/**
 * A generous token budget for one structured answer: the grammar's longest output in characters (a token is at
 * least one character), more for Chinese, whose characters a tokenizer may split into byte pieces.
 */
export function maxTokensFor(schema: TaskSchema<unknown>, language: 'zh' | 'en'): number {
  return Math.ceil(schema.maxChars * (language === 'zh' ? 1.5 : 1)) + 16;
}
