// One structured answer from the loaded model: grammar-constrained JSON (LlmRuntime.json, never free text parsed
// afterwards), a bounded token budget, and a validation of the parsed value before anyone stores it.
import { basename } from 'node:path';
import type { z } from 'zod';
import type { LlmRuntime } from '../runtime.ts';
import { maxTokensFor, type TaskSchema } from './schemas.ts';

export type TaskLanguage = 'zh' | 'en';

/**
 * Progress and cancellation as the caller has them: a job's context (JobContext fits), the CLI's Ctrl-C, the
 * service later. `signal` also stops a generation in flight; `cancelled` is read between units of work.
 */
export interface TaskControl {
  progress?(done: number, total?: number | null, message?: string): void;
  readonly cancelled?: boolean;
  signal?: AbortSignal;
}

export interface StructuredCallOptions {
  language: TaskLanguage;
  /** Overrides the budget derived from the schema. */
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

/** The model answered, but not with something the task can use (cut off, or outside the schema's bounds). */
export class TaskOutputError extends Error {
  override name = 'TaskOutputError';
}

/** The file name of the loaded model, stored with every result; throws when no model is loaded. */
export function modelLabel(runtime: LlmRuntime): string {
  const loaded = runtime.loaded;
  if (!loaded) throw new TaskOutputError('No language model is loaded');
  return basename(loaded.path);
}

export async function askStructured<T>(
  runtime: LlmRuntime,
  schema: TaskSchema<T>,
  prompt: { system: string; user: string },
  options: StructuredCallOptions,
): Promise<{ value: T; tokens: number }> {
  let raw: unknown;
  let tokens: number;
  try {
    const result = await runtime.json(prompt.user, schema.json, {
      system: prompt.system,
      maxTokens: options.maxTokens ?? maxTokensFor(schema, options.language),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // The text, not `value`: the value crossed the process boundary as JSON, where an overflowing number
    // (1e999 parses to Infinity) became null; parsed here it stays a number the task can clamp.
    raw = JSON.parse(result.text) as unknown;
    tokens = result.tokens;
  } catch (error) {
    // A crash or a closed runtime is the caller's to handle (the model has to be loaded again); an incomplete
    // answer is this task's failure.
    if ((error as { code?: string }).code === 'request') throw new TaskOutputError((error as Error).message);
    throw error;
  }
  return { value: mustFit(schema.validate, raw), tokens };
}

/** The value checked by `validator`, or a TaskOutputError listing what does not fit. */
export function mustFit<T>(validator: z.ZodType<T>, value: unknown): T {
  const checked = validator.safeParse(value);
  if (checked.success) return checked.data;
  const issues = checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new TaskOutputError(`The model's answer does not fit the schema: ${issues}`);
}

/** Trims and collapses a model string to one line. */
export const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Choices from an enum without repeats (the grammar can bound a list, not make it unique). */
export const uniqueChoices = <T extends string>(items: readonly T[]): T[] => [...new Set(items)];

/** Free-text entries trimmed to one line; blank ones dropped (a repeat is kept: dropping it could leave too few). */
export const cleanLines = (items: readonly string[]): string[] => items.map(oneLine).filter(Boolean);
