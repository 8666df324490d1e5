/** The contract's llm.* and chat.* methods over a ChatHost and the workspace's conversation store. */
import type { Db } from '../db/workspace.ts';
import { UserError } from '../jobs/context.ts';
import { machineFacts } from '../llm/fit.ts';
import { addModel, listModels, RECOMMENDED_MODELS } from '../llm/models.ts';
import type { ChatHost } from './host.ts';
import type { JobRunner } from '../jobs/runner.ts';
import { readPersonas, readReviewFailures, readReviewInsights } from '../llm/tasks/index.ts';
import {
  createConversation,
  deleteConversation,
  getConversation,
  listConversations,
  listMessages,
  saveToCampaign,
} from './store.ts';
import type { chatApi } from '../api/contract-chat.ts';
import type { z } from 'zod';

type ChatApi = typeof chatApi;
type ChatHandlers = {
  [M in keyof ChatApi]: (
    input: z.infer<ChatApi[M]['input']>,
  ) => Promise<z.infer<ChatApi[M]['output']>> | z.infer<ChatApi[M]['output']>;
};

export function chatHandlers(db: Db, host: ChatHost, modelsDir: string, jobs: JobRunner): ChatHandlers {
  return {
    'llm.persona': (input) => ({
      jobId: jobs.startLocal('persona', input, 'steps', host.personaJob(input)).id,
    }),
    'llm.reviews': (input) => ({ jobId: jobs.startLocal('reviews', input, 'reviews', host.reviewsJob(input)).id }),
    'llm.productCopy': (input) => ({
      jobId: jobs.startLocal('product-copy', input, 'steps', host.productCopyJob(input)).id,
    }),
    'llm.personas': () => readPersonas(db),
    'llm.reviewInsights': (input) => reviewInsightSummary(db, input.limit),
    'llm.models': () => ({
      folder: modelsDir,
      models: listModels(modelsDir, { machine: machineFacts() }).map((m) => ({
        ...m,
        header: m.header && { ...m.header },
      })),
      recommended: [...RECOMMENDED_MODELS],
    }),
    'llm.add': (input) => {
      try {
        return addModel(modelsDir, input.path, { machine: machineFacts() });
      } catch (err) {
        throw new UserError((err as Error).message);
      }
    },
    'llm.download.list': () => host.downloads(modelsDir).list(),
    'llm.download.start': (input) =>
      host.downloads(modelsDir).start(input.url, { fileName: input.fileName, sha256: input.sha256 }),
    'llm.download.pause': (input) => host.downloads(modelsDir).pause(input.id),
    'llm.download.resume': (input) => host.downloads(modelsDir).resume(input.id),
    'llm.download.cancel': async (input) => ({ cancelled: await host.downloads(modelsDir).cancel(input.id) }),
    'llm.status': () => host.status(),
    'llm.load': (input) =>
      host.load(input.path, {
        ...(input.gpu ? { gpu: input.gpu === 'cpu' ? false : input.gpu } : {}),
        ...(input.contextSize ? { contextSize: input.contextSize } : {}),
      }),
    'llm.unload': () => host.unload(),
    'chat.list': () => listConversations(db),
    'chat.create': (input) =>
      createConversation(db, {
        title: input.title,
        template: input.template,
        grounding: input.grounding,
        systemPrompt: input.systemPrompt,
        options: { tone: input.tone, language: input.language },
      }),
    'chat.get': (input) => {
      const conversation = getConversation(db, input.conversationId);
      if (!conversation) throw new UserError(`no conversation ${input.conversationId}`);
      return { conversation, messages: listMessages(db, input.conversationId) };
    },
    'chat.delete': (input) => ({ deleted: deleteConversation(db, input.conversationId) }),
    'chat.send': (input) => host.send(input.conversationId, input.text, input.mode),
    'chat.stop': (input) => ({ stopped: host.stop(input.streamId) }),
    'chat.saveToCampaign': (input) => {
      try {
        return saveToCampaign(db, input.messageId, input.campaign);
      } catch (err) {
        throw new UserError((err as Error).message);
      }
    },
  };
}

/** Stored review insights: how many, the mean sentiment, how often each aspect comes up, and the latest ones. */
function reviewInsightSummary(db: Db, limit: number) {
  const counts = db
    .prepare(
      'SELECT (SELECT COUNT(*) FROM reviews) AS reviews, COUNT(*) AS analyzed, AVG(sentiment) AS mean FROM review_insights',
    )
    .get() as { reviews: number; analyzed: number; mean: number | null };
  const aspects = db
    .prepare(
      `SELECT j.value AS aspect, COUNT(*) AS reviews FROM review_insights i, json_each(i.aspects) j
       GROUP BY j.value ORDER BY reviews DESC, aspect`,
    )
    .all() as { aspect: string; reviews: number }[];
  const failures = readReviewFailures(db);
  return {
    reviews: counts.reviews,
    analyzed: counts.analyzed,
    meanSentiment: counts.mean,
    aspects,
    latest: readReviewInsights(db, { limit }),
    failed: failures.length,
    failures: failures.slice(0, limit),
  };
}
