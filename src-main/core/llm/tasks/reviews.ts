// Review understanding over the whole `reviews` table: sentiment, aspects, a one-line summary and, for a negative
// review, a drafted reply, into `review_insights`. Each result is stored as soon as it exists (a crash loses at most
// the review in progress), and a run skips reviews that already have an insight, so a rerun after a cancel or a
// crash continues where the last one stopped. A review whose answer could not be used is recorded in
// `review_insight_failures` (the error and how many tries) and stays pending: the next run tries it again.
import type { Db } from '../../db/workspace.ts';
import type { LlmRuntime } from '../runtime.ts';
import { redactContacts } from './redact.ts';
import { ASPECTS, LIMITS, reviewInsightSchema, StoredReviewInsight, type ReviewInsight } from './schemas.ts';
import {
  askStructured,
  modelLabel,
  mustFit,
  oneLine,
  TaskOutputError,
  uniqueChoices,
  type TaskControl,
  type TaskLanguage,
} from './structured.ts';

export interface ReviewBatchOptions {
  /** Analyze at most this many reviews in this run (the rest wait for the next). */
  limit?: number;
  /** Language of summaries and replies for reviews whose language is unknown (default: detected from the text). */
  language?: TaskLanguage;
  maxTokens?: number;
  temperature?: number;
}

export interface ReviewBatchResult {
  /** Reviews analyzed and stored in this run. */
  analyzed: number;
  /** Reviews that already had an insight when the run started. */
  alreadyDone: number;
  /** Reviews still without an insight after this run (failed ones included: a rerun tries them again). */
  remaining: number;
  total: number;
  /** Reviews whose answer could not be used in this run; recorded in review_insight_failures for the next run. */
  failed: { reviewId: number; error: string }[];
  /** Reviews that had failed in an earlier run and were analyzed successfully in this one. */
  recovered: number;
  cancelled: boolean;
  model: string;
}

export interface StoredInsight extends ReviewInsight {
  reviewId: number;
  model: string;
  createdAt: number;
}

// The review's text in the prompt is cut here: a review is a few sentences, and the context is shared with the answer.
const MAX_REVIEW_CHARS = 1200;

const SYSTEM: Record<TaskLanguage, string> = {
  en: [
    'You analyse customer reviews for an online shop. For the review given, answer as JSON with:',
    '- sentiment: a number from -1 (very negative) through 0 (neutral) to 1 (very positive)',
    `- aspects: 1 to 3 of ${ASPECTS.join(', ')} that the review talks about`,
    `- summary: what the customer says, in one line of at most ${LIMITS.summary} characters`,
    `- reply: if the review is negative, a short, polite reply from the shop that addresses the complaint (at most ${LIMITS.reply} characters); otherwise an empty string`,
    'Write the summary and the reply in English. Do not promise refunds or discounts.',
  ].join('\n'),
  zh: [
    '你为一家网店分析顾客评价。针对给出的评价，输出 JSON，字段如下：',
    '- sentiment：从 -1（非常负面）到 0（中性）再到 1（非常正面）的数字',
    `- aspects：评价涉及的1到3个方面，取值为 ${ASPECTS.join(', ')}`,
    `- summary：顾客所说内容的一行摘要（不超过${LIMITS.summary}个字）`,
    `- reply：如果评价是负面的，写一段店铺的简短、礼貌的回复，回应顾客的问题（不超过${LIMITS.reply}个字）；否则为空字符串`,
    '摘要和回复用简体中文。不要承诺退款或折扣。',
  ].join('\n'),
};

export interface PendingReview {
  id: number;
  rating: number | null;
  text: string;
  language: string | null;
  product: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
}

function languageOf(review: PendingReview, fallback: TaskLanguage | undefined): TaskLanguage {
  const tag = review.language?.toLowerCase() ?? '';
  if (tag.startsWith('zh')) return 'zh';
  if (tag.startsWith('en')) return 'en';
  if (fallback) return fallback;
  return /\p{Script=Han}/u.test(review.text) ? 'zh' : 'en';
}

/** The user message for one review: product, rating and the text with contact details masked. */
export function reviewPrompt(review: PendingReview, language: TaskLanguage): string {
  const text = redactContacts(review.text, [review.name, review.phone, review.email]).slice(0, MAX_REVIEW_CHARS);
  const zh = language === 'zh';
  return [
    review.product ? `${zh ? '商品' : 'Product'}: ${review.product}` : '',
    review.rating !== null ? `${zh ? '评分' : 'Rating'}: ${review.rating}` : '',
    `${zh ? '评价' : 'Review'}: ${text}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Sentiment clamped into −1…1, aspects unique, a one-line summary, a reply kept only for a negative review. */
export function normalizeInsight(raw: {
  sentiment: number;
  aspects: readonly string[];
  summary: string;
  reply: string;
}): ReviewInsight {
  // ±Infinity (an overflowing exponent) clamps to ±1 like any other out-of-range value; NaN stays and fails.
  const sentiment = Math.round(Math.min(1, Math.max(-1, raw.sentiment)) * 1000) / 1000;
  const reply = raw.reply.trim();
  return mustFit(StoredReviewInsight, {
    sentiment,
    aspects: uniqueChoices(raw.aspects),
    summary: oneLine(raw.summary),
    reply: sentiment < 0 && reply ? reply : null,
  });
}

/** Reviews without an insight, in id order, with what the prompt needs (and the reviewer's contacts, to mask). */
export function pendingReviews(db: Db, limit = -1): PendingReview[] {
  return db
    .prepare(
      `SELECT r.id, r.rating, r.text, r.language, COALESCE(p.title, p.sku) AS product, c.name, c.phone, c.email
         FROM reviews r LEFT JOIN review_insights i ON i.review_id = r.id
         LEFT JOIN products p ON p.id = r.product_id LEFT JOIN customers c ON c.id = r.customer_id
        WHERE i.review_id IS NULL ORDER BY r.id LIMIT ?`,
    )
    .all(limit) as PendingReview[];
}

const count = (db: Db, sql: string): number => db.prepare(sql).pluck().get() as number;

/** Analyzes the reviews that have no insight yet, in id order, storing each result as it comes. */
export async function analyzeReviews(
  db: Db,
  runtime: LlmRuntime,
  options: ReviewBatchOptions = {},
  control: TaskControl = {},
): Promise<ReviewBatchResult> {
  const model = modelLabel(runtime);
  const total = count(db, 'SELECT COUNT(*) FROM reviews');
  const alreadyDone = count(db, 'SELECT COUNT(*) FROM review_insights');
  const limit = options.limit !== undefined ? Math.max(0, Math.floor(options.limit)) : -1;
  const pending = pendingReviews(db, limit);
  const insert = db.prepare(
    `INSERT INTO review_insights (review_id, sentiment, aspects, summary, reply, model, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (review_id) DO UPDATE SET sentiment = excluded.sentiment, aspects = excluded.aspects,
       summary = excluded.summary, reply = excluded.reply, model = excluded.model, created_at = excluded.created_at`,
  );
  const recordFailure = db.prepare(
    `INSERT INTO review_insight_failures (review_id, error, attempts, model, failed_at) VALUES (?, ?, 1, ?, ?)
     ON CONFLICT (review_id) DO UPDATE SET error = excluded.error, attempts = attempts + 1, model = excluded.model,
       failed_at = excluded.failed_at`,
  );
  const clearFailure = db.prepare('DELETE FROM review_insight_failures WHERE review_id = ?');
  const stopped = (): boolean => !!control.cancelled || !!control.signal?.aborted;
  const failed: ReviewBatchResult['failed'] = [];
  let analyzed = 0;
  let recovered = 0;
  let cancelled = false;
  const runTotal = alreadyDone + pending.length;
  control.progress?.(alreadyDone, runTotal);
  for (const review of pending) {
    if (stopped()) {
      cancelled = true;
      break;
    }
    const language = languageOf(review, options.language);
    try {
      const { value } = await askStructured(
        runtime,
        reviewInsightSchema,
        { system: SYSTEM[language], user: reviewPrompt(review, language) },
        {
          language,
          ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          ...(control.signal ? { signal: control.signal } : {}),
        },
      );
      const insight = normalizeInsight(value);
      const stored = db.transaction(() => {
        insert.run(
          review.id,
          insight.sentiment,
          JSON.stringify(insight.aspects),
          insight.summary,
          insight.reply,
          model,
          Math.floor(Date.now() / 1000),
        );
        return clearFailure.run(review.id).changes > 0;
      })();
      if (stored) recovered++;
      analyzed++;
    } catch (error) {
      // Stopped mid-answer: the review stays pending, it is not a failure.
      if (stopped()) {
        cancelled = true;
        break;
      }
      if (!(error instanceof TaskOutputError)) throw error;
      failed.push({ reviewId: review.id, error: error.message });
      recordFailure.run(review.id, error.message.slice(0, 2000), model, Math.floor(Date.now() / 1000));
    }
    control.progress?.(alreadyDone + analyzed + failed.length, runTotal);
  }
  return {
    analyzed,
    alreadyDone,
    remaining: total - alreadyDone - analyzed,
    total,
    failed,
    recovered,
    cancelled,
    model,
  };
}

export interface ReviewFailure {
  reviewId: number;
  error: string;
  attempts: number;
  model: string;
  failedAt: number;
}

/** Reviews whose last analysis failed (and that still have no insight), most tried first. */
export function readReviewFailures(db: Db, limit = -1): ReviewFailure[] {
  return db
    .prepare(
      `SELECT f.review_id AS reviewId, f.error, f.attempts, f.model, f.failed_at AS failedAt
         FROM review_insight_failures f LEFT JOIN review_insights i ON i.review_id = f.review_id
        WHERE i.review_id IS NULL ORDER BY f.attempts DESC, f.review_id LIMIT ?`,
    )
    .all(limit) as ReviewFailure[];
}

/** Stored insights, newest review first; `productId` narrows to one product. */
export function readReviewInsights(db: Db, filter: { productId?: number; limit?: number } = {}): StoredInsight[] {
  const rows = db
    .prepare(
      `SELECT i.review_id AS reviewId, i.sentiment, i.aspects, i.summary, i.reply, i.model, i.created_at AS createdAt
         FROM review_insights i JOIN reviews r ON r.id = i.review_id
        WHERE (@product IS NULL OR r.product_id = @product) ORDER BY r.created_at DESC, r.id DESC LIMIT @limit`,
    )
    .all({ product: filter.productId ?? null, limit: filter.limit ?? -1 }) as (Omit<StoredInsight, 'aspects'> & {
    aspects: string;
  })[];
  return rows.map((r) => ({ ...r, aspects: JSON.parse(r.aspects) as StoredInsight['aspects'] }));
}
