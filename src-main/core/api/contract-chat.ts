/**
 * The language-model part of the contract: the model library, loading a model, and persisted marketing-copy
 * conversations whose replies stream as 'chat' server events. Free of Node imports (the renderer bundles it).
 */
import { z } from 'zod';
import { TEMPLATES, TONES } from '../llm/prompts.ts';

const groundingSchema = z.union([
  z.object({ segment: z.string().min(1) }),
  z.object({ customer: z.string().min(1) }),
  z.object({ product: z.string().min(1) }),
]);

const conversationSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  template: z.enum(TEMPLATES).nullable(),
  grounding: groundingSchema.nullable(),
  systemPrompt: z.string().nullable(),
  options: z.object({ tone: z.enum(TONES), language: z.enum(['zh', 'en']) }),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type ConversationInfo = z.infer<typeof conversationSchema>;

export const chatMessageSchema = z.object({
  id: z.number().int(),
  conversationId: z.number().int(),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  stats: z
    .object({
      tokens: z.number(),
      tokensPerSecond: z.number().nullable(),
      timeToFirstTokenMs: z.number().nullable(),
      stopReason: z.string(),
      trimmedTurns: z.number().int().optional(),
      promptTokens: z.number().int().optional(),
      evaluatedPromptTokens: z.number().int().optional(),
    })
    .nullable(),
  createdAt: z.number(),
});
export type ChatMessageInfo = z.infer<typeof chatMessageSchema>;

const fitSchema = z.object({
  verdict: z.enum(['fits', 'slow', 'wont-fit']),
  needed: z.number(),
  placement: z.enum(['gpu', 'split', 'cpu']),
  reason: z.string(),
});

export const modelEntrySchema = z.object({
  path: z.string(),
  fileName: z.string(),
  source: z.enum(['folder', 'registered']),
  header: z
    .object({
      architecture: z.string().nullable(),
      name: z.string().nullable(),
      parameterCount: z.number(),
      quantization: z.string().nullable(),
      contextLength: z.number().nullable(),
      fileSize: z.number(),
      hasChatTemplate: z.boolean(),
    })
    .nullable(),
  error: z.string().nullable(),
  fit: fitSchema.nullable(),
});
export type ModelEntryInfo = z.infer<typeof modelEntrySchema>;

const recommendedSchema = z.object({
  name: z.string(),
  parameters: z.string(),
  quantization: z.string(),
  sizeBytes: z.number(),
  licence: z.string(),
  url: z.string(),
  file: z.string(),
  languages: z.string(),
  note: z.string(),
  /** What the Download button asks for (an hf: reference to the file). */
  download: z.string(),
});

export const downloadInfoSchema = z.object({
  id: z.string(),
  url: z.string(),
  status: z.enum(['downloading', 'retrying', 'verifying', 'paused', 'completed', 'failed', 'cancelled']),
  received: z.number(),
  total: z.number().nullable(),
  bytesPerSecond: z.number().nullable(),
  sha256: z.string().nullable(),
  error: z.string().nullable(),
  retried: z.number().int(),
  path: z.string().nullable(),
  /** A partial download the app's quit cut off (not paused by the merchant): the model manager resumes it. */
  interrupted: z.boolean(),
  updatedAt: z.number(),
});
export type DownloadInfoShape = z.infer<typeof downloadInfoSchema>;

/** A model download's progress and state changes ('download' server events). */
export const downloadEventSchema = z.object({ type: z.literal('download'), download: downloadInfoSchema });

export const llmStatusSchema = z.object({
  model: z
    .object({
      name: z.string(),
      path: z.string(),
      sizeBytes: z.number(),
      trainContextSize: z.number(),
      contextSize: z.number(),
      gpuLayers: z.number(),
      threads: z.number(),
      decodeThreads: z.union([z.number(), z.literal('auto')]).optional(),
    })
    .nullable(),
  backend: z.enum(['cpu', 'cuda', 'vulkan', 'metal']).nullable(),
  deviceNames: z.array(z.string()),
  busy: z.boolean(),
  lastCrash: z.string().nullable(),
});
export type LlmStatusInfo = z.infer<typeof llmStatusSchema>;

const gpuSchema = z.enum(['auto', 'cuda', 'vulkan', 'metal', 'cpu']);

export const personaRecordSchema = z.object({
  scope: z.enum(['segment', 'customer']),
  subject: z.string(),
  language: z.enum(['zh', 'en']),
  persona: z.object({
    name: z.string(),
    portrait: z.string(),
    motivations: z.array(z.string()),
    preferredChannels: z.array(z.string()),
    offersToTry: z.array(z.string()),
    risks: z.array(z.string()),
  }),
  model: z.string(),
  createdAt: z.number(),
});
export type PersonaRecordInfo = z.infer<typeof personaRecordSchema>;

const reviewInsightSchema = z.object({
  reviewId: z.number().int(),
  sentiment: z.number(),
  aspects: z.array(z.string()),
  summary: z.string(),
  reply: z.string().nullable(),
  model: z.string(),
  createdAt: z.number(),
});

const taskLanguage = z.enum(['zh', 'en']).default('zh');
const jobRef = z.object({ jobId: z.string() });

export const chatApi = {
  'llm.models': {
    input: z.object({}),
    output: z.object({
      folder: z.string(),
      models: z.array(modelEntrySchema),
      recommended: z.array(recommendedSchema),
    }),
  },
  'llm.add': { input: z.object({ path: z.string().min(1) }), output: modelEntrySchema },
  /** Model downloads into the models folder: running, paused (also after a restart), finished this session. */
  'llm.download.list': { input: z.object({}), output: z.array(downloadInfoSchema) },
  'llm.download.start': {
    input: z.object({
      /** An http(s) URL of a .gguf file or hf:owner/repo/file.gguf. */
      url: z.string().min(1).max(2000),
      fileName: z.string().min(1).max(255).optional(),
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 is 64 hexadecimal digits')
        .optional(),
    }),
    output: downloadInfoSchema,
  },
  'llm.download.pause': { input: z.object({ id: z.string().min(1) }), output: downloadInfoSchema },
  'llm.download.resume': { input: z.object({ id: z.string().min(1) }), output: downloadInfoSchema },
  'llm.download.cancel': { input: z.object({ id: z.string().min(1) }), output: z.object({ cancelled: z.boolean() }) },
  'llm.status': { input: z.object({}), output: llmStatusSchema },
  'llm.load': {
    input: z.object({
      path: z.string().min(1),
      gpu: gpuSchema.optional(),
      contextSize: z.number().int().min(512).max(131072).optional(),
    }),
    output: llmStatusSchema,
  },
  'llm.unload': { input: z.object({}), output: llmStatusSchema },
  /** Structured work on the loaded model, run as jobs (progress, cancel); results are stored in the workspace. */
  'llm.persona': {
    input: z
      .object({ segment: z.string().min(1).optional(), customer: z.string().min(1).optional(), language: taskLanguage })
      .refine((v) => (v.segment === undefined) !== (v.customer === undefined), 'give a segment or a customer'),
    output: jobRef,
  },
  'llm.reviews': {
    input: z.object({ limit: z.number().int().min(1).optional(), language: z.enum(['zh', 'en']).optional() }),
    output: jobRef,
  },
  'llm.productCopy': { input: z.object({ product: z.string().min(1), language: taskLanguage }), output: jobRef },
  'llm.personas': { input: z.object({}), output: z.array(personaRecordSchema) },
  'llm.reviewInsights': {
    input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }),
    output: z.object({
      reviews: z.number().int(),
      analyzed: z.number().int(),
      meanSentiment: z.number().nullable(),
      aspects: z.array(z.object({ aspect: z.string(), reviews: z.number().int() })),
      latest: z.array(reviewInsightSchema),
      /** Reviews whose last analysis failed (invalid output); the next run retries them. */
      failed: z.number().int(),
      failures: z.array(
        z.object({
          reviewId: z.number().int(),
          error: z.string(),
          attempts: z.number().int(),
          model: z.string(),
          failedAt: z.number(),
        }),
      ),
    }),
  },
  'chat.list': {
    input: z.object({}),
    output: z.array(conversationSchema.extend({ messages: z.number().int() })),
  },
  'chat.create': {
    input: z.object({
      title: z.string().max(200).optional(),
      template: z.enum(TEMPLATES).nullable().optional(),
      grounding: groundingSchema.nullable().optional(),
      systemPrompt: z.string().max(20_000).nullable().optional(),
      tone: z.enum(TONES).default('friendly'),
      language: z.enum(['zh', 'en']).default('zh'),
    }),
    output: conversationSchema,
  },
  'chat.get': {
    input: z.object({ conversationId: z.number().int() }),
    output: z.object({ conversation: conversationSchema, messages: z.array(chatMessageSchema) }),
  },
  'chat.delete': { input: z.object({ conversationId: z.number().int() }), output: z.object({ deleted: z.boolean() }) },
  'chat.send': {
    input: z.object({
      conversationId: z.number().int(),
      text: z.string().max(20_000).optional(),
      mode: z.enum(['send', 'regenerate', 'edit']).default('send'),
    }),
    output: z.object({ streamId: z.string() }),
  },
  'chat.stop': { input: z.object({ streamId: z.string() }), output: z.object({ stopped: z.boolean() }) },
  'chat.saveToCampaign': {
    input: z.object({ messageId: z.number().int(), campaign: z.string().min(1).max(200) }),
    output: z.object({ campaignId: z.number().int() }),
  },
} as const;

/** Streamed reply events ('chat' server events). */
export const chatEventSchema = z.discriminatedUnion('event', [
  z.object({
    type: z.literal('chat'),
    streamId: z.string(),
    conversationId: z.number().int(),
    event: z.literal('start'),
    userMessage: chatMessageSchema.nullable(),
  }),
  z.object({
    type: z.literal('chat'),
    streamId: z.string(),
    conversationId: z.number().int(),
    event: z.literal('chunk'),
    text: z.string(),
  }),
  z.object({
    type: z.literal('chat'),
    streamId: z.string(),
    conversationId: z.number().int(),
    /** Before the first token of a long prompt: prompt tokens evaluated out of those to evaluate. */
    event: z.literal('prompt'),
    evaluated: z.number().int(),
    total: z.number().int(),
  }),
  z.object({
    type: z.literal('chat'),
    streamId: z.string(),
    conversationId: z.number().int(),
    event: z.literal('done'),
    message: chatMessageSchema,
  }),
  z.object({
    type: z.literal('chat'),
    streamId: z.string(),
    conversationId: z.number().int(),
    event: z.literal('error'),
    message: z.string(),
  }),
]);
export type ChatEventInfo = z.infer<typeof chatEventSchema>;
