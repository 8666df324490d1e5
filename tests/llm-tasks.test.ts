// The model's structured work (personas, review insights, product copy) on a real workspace (the generated sample
// shop) with the real node-llama-cpp and a tiny random-weight GGUF: the words are noise, but every answer goes
// through the JSON-schema grammar, so it must parse, fit the schema's bounds, and be stored as the schema says.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src-main/core/db/workspace.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { LlmRuntime } from '../src-main/core/llm/runtime.ts';
import { generatePersona, readPersonas } from '../src-main/core/llm/tasks/persona.ts';
import { generateProductCopy, readProductCopy } from '../src-main/core/llm/tasks/product-copy.ts';
import { redactContacts } from '../src-main/core/llm/tasks/redact.ts';
import {
  analyzeReviews,
  normalizeInsight,
  pendingReviews,
  readReviewFailures,
  readReviewInsights,
  reviewPrompt,
} from '../src-main/core/llm/tasks/reviews.ts';
import {
  LIMITS,
  personaSchema,
  productCopySchema,
  reviewInsightSchema,
  StoredReviewInsight,
} from '../src-main/core/llm/tasks/schemas.ts';
import { TaskOutputError } from '../src-main/core/llm/tasks/structured.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const REVIEWS = 5;
let ws: ReturnType<typeof tempWorkspace>;
let db: Db;
let model: string;
let runtime: LlmRuntime;

beforeAll(async () => {
  ws = tempWorkspace();
  db = ws.db;
  generateSampleShop(db, { customers: 60, seed: 3 });
  // A few reviews keep the batch quick: the random-weight model writes every string to its length limit.
  const keep = `(SELECT id FROM reviews ORDER BY id LIMIT ${REVIEWS})`;
  db.prepare(`DELETE FROM sample_truth_reviews WHERE review_id NOT IN ${keep}`).run();
  db.prepare(`DELETE FROM reviews WHERE id NOT IN ${keep}`).run();
  model = writeTinyGguf(join(ws.dir, 'tiny.gguf'));
  // One thread: the machine is small and shared; 2048 tokens leave room for the facts and a whole answer.
  runtime = new LlmRuntime({ gpu: false, threads: 1, contextSize: 2048 });
  await runtime.load(model);
});

afterAll(async () => {
  await runtime?.close();
  ws?.cleanup();
});

describe('schemas', () => {
  it('bound every string and list, in the grammar and in the validator alike', () => {
    const props = personaSchema.json.properties as Record<string, Record<string, unknown>>;
    expect(props.portrait).toMatchObject({ type: 'string', minLength: 1, maxLength: LIMITS.portrait });
    expect(props.preferredChannels).toMatchObject({ type: 'array', minItems: 1, maxItems: LIMITS.channels });
    const ok = {
      name: 'Thrifty Regular',
      portrait: 'Buys often.',
      motivations: ['value'],
      preferredChannels: ['sms'],
      offersToTry: ['bundle'],
      risks: ['churn'],
    };
    expect(personaSchema.validate.safeParse(ok).success).toBe(true);
    expect(personaSchema.validate.safeParse({ ...ok, portrait: 'x'.repeat(LIMITS.portrait + 1) }).success).toBe(false);
    // Characters as the grammar counts them: a 320-character Chinese portrait fits.
    expect(personaSchema.validate.safeParse({ ...ok, portrait: '买'.repeat(LIMITS.portrait) }).success).toBe(true);
    expect(personaSchema.validate.safeParse({ ...ok, preferredChannels: ['fax'] }).success).toBe(false);
    expect(personaSchema.validate.safeParse({ ...ok, risks: [] }).success).toBe(false);
    expect(productCopySchema.validate.safeParse({ description: 'd', sellingPoints: ['one'] }).success).toBe(false);
    expect(
      reviewInsightSchema.validate.safeParse({ sentiment: 5, aspects: ['price'], summary: 's', reply: '' }),
    ).toMatchObject({
      success: true,
    });
  });

  it('normalize a review insight: sentiment clamped, reply only when negative, one-line summary', () => {
    expect(
      normalizeInsight({ sentiment: 3.5, aspects: ['price', 'price'], summary: ' a\nb ', reply: 'Sorry' }),
    ).toEqual({
      sentiment: 1,
      aspects: ['price'],
      summary: 'a b',
      reply: null,
    });
    expect(
      normalizeInsight({ sentiment: -Infinity, aspects: ['delivery'], summary: 'late', reply: ' Sorry! ' }),
    ).toEqual({
      sentiment: -1,
      aspects: ['delivery'],
      summary: 'late',
      reply: 'Sorry!',
    });
    expect(normalizeInsight({ sentiment: -0.4, aspects: ['other'], summary: 'meh', reply: '' }).reply).toBeNull();
    expect(() => normalizeInsight({ sentiment: 0, aspects: ['other'], summary: '   ', reply: '' })).toThrow(
      TaskOutputError,
    );
    expect(
      StoredReviewInsight.safeParse({ sentiment: 0.5, aspects: ['price'], summary: 's', reply: 'x' }).success,
    ).toBe(false);
  });
});

describe('review prompts', () => {
  it("mask the reviewer's name and any email or phone number", () => {
    const c = db
      .prepare(
        `INSERT INTO customers (external_id, name, phone, email) VALUES ('pii-1', 'Li Mingyu', '13800138000', 'li@example.com')`,
      )
      .run().lastInsertRowid as number;
    const text = 'Li Mingyu here. Broken on arrival! Call 138-0013-8000 or +44 20 7946 0958, mail li.m@example.org';
    const id = db
      .prepare(`INSERT INTO reviews (customer_id, rating, text, created_at, language) VALUES (?, 1, ?, 0, 'en')`)
      .run(c, text).lastInsertRowid as number;
    try {
      const review = pendingReviews(db).find((r) => r.id === id)!;
      const prompt = reviewPrompt(review, 'en');
      expect(prompt).toContain('Broken on arrival!');
      for (const secret of ['Li Mingyu', '138-0013-8000', '7946', 'li.m@example.org', 'pii-1']) {
        expect(prompt).not.toContain(secret);
      }
      expect(redactContacts('王小明说：很好', ['王小明'])).toBe('[name]说：很好');
    } finally {
      db.prepare('DELETE FROM reviews WHERE id = ?').run(id);
      db.prepare('DELETE FROM customers WHERE id = ?').run(c);
    }
  });
});

describe('personas', () => {
  it('a segment persona is schema-valid JSON, stored once per segment (upsert)', async () => {
    const segment = 'Champions';
    const en = await generatePersona(db, runtime, { segment, language: 'en' });
    expect(en).toMatchObject({ scope: 'segment', subject: segment, language: 'en', model: 'tiny.gguf' });
    expect(readPersonas(db, { scope: 'segment' })).toEqual([en]);
    expect(personaSchema.validate.parse(en.persona)).toEqual(en.persona);
    const zh = await generatePersona(db, runtime, { segment, language: 'zh' });
    const rows = db
      .prepare(`SELECT persona, model FROM personas WHERE scope = 'segment' AND subject = ?`)
      .all(segment) as {
      persona: string;
    }[];
    expect(rows).toHaveLength(1);
    expect(zh.language).toBe('zh');
    expect(personaSchema.validate.parse(JSON.parse(rows[0]!.persona))).toEqual(zh.persona);
    expect(readPersonas(db, { scope: 'segment' })).toEqual([zh]);
  });

  it('a customer persona is stored under the external id; unknown subjects are user errors', async () => {
    const customer = db
      .prepare(
        `SELECT c.external_id FROM customers c JOIN orders o ON o.customer_id = c.id
          WHERE o.status = 'completed' ORDER BY c.id LIMIT 1`,
      )
      .pluck()
      .get() as string;
    const r = await generatePersona(db, runtime, { customer, language: 'en' });
    expect(r).toMatchObject({ scope: 'customer', subject: customer });
    expect(readPersonas(db, { scope: 'customer', subject: customer })).toEqual([r]);
    await expect(generatePersona(db, runtime, { customer: 'no-such-customer' })).rejects.toThrow(UserError);
    await expect(generatePersona(db, runtime, { segment: 'No Such Segment' })).rejects.toThrow(UserError);
    await expect(generatePersona(db, runtime, {})).rejects.toThrow(/exactly one/);
  });
});

describe('product copy', () => {
  it('is schema-valid JSON, stored per product', async () => {
    const sku = db
      .prepare(`SELECT p.sku FROM products p JOIN order_items i ON i.product_id = p.id ORDER BY p.id LIMIT 1`)
      .pluck()
      .get() as string;
    const r = await generateProductCopy(db, runtime, { product: sku, language: 'zh' });
    expect(r).toMatchObject({ sku, language: 'zh', model: 'tiny.gguf' });
    expect(productCopySchema.validate.parse(r.copy)).toEqual(r.copy);
    expect(readProductCopy(db, sku)).toEqual(r);
    await expect(generateProductCopy(db, runtime, { product: 'NO-SUCH-SKU' })).rejects.toThrow(UserError);
  });
});

describe('review batch', () => {
  it('stops when cancelled after k reviews, and a rerun finishes the rest without redoing any', async () => {
    const k = 2;
    // Progress comes once at the start and once per review: cancelled after the k-th review's report.
    const ctx = testContext(ws.path, k + 1);
    const first = await analyzeReviews(db, runtime, { language: 'en' }, ctx);
    expect(first).toMatchObject({ cancelled: true, analyzed: k, failed: [], alreadyDone: 0, total: REVIEWS });
    expect(first.remaining).toBe(REVIEWS - k);
    expect(db.prepare('SELECT COUNT(*) FROM review_insights').pluck().get()).toBe(k);
    // Mark the first run's rows: a rerun that redid them would overwrite the mark.
    db.prepare(`UPDATE review_insights SET model = 'first-run'`).run();

    const progress: [number, number | null | undefined][] = [];
    const second = await analyzeReviews(db, runtime, {}, { progress: (d, t) => progress.push([d, t]) });
    expect(second).toMatchObject({ cancelled: false, analyzed: REVIEWS - k, failed: [], alreadyDone: k, remaining: 0 });
    expect(progress[0]).toEqual([k, REVIEWS]);
    expect(progress.at(-1)).toEqual([REVIEWS, REVIEWS]);
    const marks = db.prepare(`SELECT model, COUNT(*) AS n FROM review_insights GROUP BY model ORDER BY model`).all();
    expect(marks).toEqual([
      { model: 'first-run', n: k },
      { model: 'tiny.gguf', n: REVIEWS - k },
    ]);

    const stored = readReviewInsights(db);
    expect(stored).toHaveLength(REVIEWS);
    for (const s of stored) {
      const { reviewId: _id, model: _m, createdAt: _c, ...insight } = s;
      expect(StoredReviewInsight.parse(insight)).toEqual(insight);
    }
    // Nothing left: a third run has nothing to do.
    expect(await analyzeReviews(db, runtime, { limit: 3 })).toMatchObject({ analyzed: 0, remaining: 0 });
  });

  it('records a review whose answer was unusable as failed, and the next run retries and clears it', async () => {
    const victim = db.prepare('SELECT id FROM reviews ORDER BY id LIMIT 1').pluck().get() as number;
    db.prepare('DELETE FROM review_insights WHERE review_id = ?').run(victim);
    // Eight tokens cannot hold a whole insight: the JSON is cut off, which is an invalid output, not a crash.
    const bad = await analyzeReviews(db, runtime, { maxTokens: 8, language: 'en' });
    expect(bad).toMatchObject({ analyzed: 0, remaining: 1, recovered: 0, cancelled: false });
    expect(bad.failed.map((f) => f.reviewId)).toEqual([victim]);
    const again = await analyzeReviews(db, runtime, { maxTokens: 8, language: 'en' });
    expect(again.failed).toHaveLength(1);
    expect(readReviewFailures(db)).toEqual([
      expect.objectContaining({
        reviewId: victim,
        attempts: 2,
        model: 'tiny.gguf',
        error: expect.stringMatching(/maxTokens/),
      }),
    ]);
    // The reports read review_insights: a failure never lands there.
    expect(db.prepare('SELECT COUNT(*) FROM review_insights WHERE review_id = ?').pluck().get(victim)).toBe(0);

    const resumed = await analyzeReviews(db, runtime, { language: 'en' });
    expect(resumed).toMatchObject({ analyzed: 1, recovered: 1, failed: [], remaining: 0 });
    expect(readReviewFailures(db)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM review_insight_failures').pluck().get()).toBe(0);
  });
});

describe('workbench persona / copy (CLI)', () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
  const modelArgs = () => ['--model', model, '--threads', '1', '--context', '2048', '--gpu', 'cpu'];

  it('persona --json prints a valid persona, stored in the workspace', () => {
    const r = spawnSync(
      process.execPath,
      [bin, 'persona', '--db', ws.path, ...modelArgs(), '--segment', 'Champions', '--lang', 'en', '--json'],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ scope: 'segment', subject: 'Champions', model: 'tiny.gguf' });
    expect(personaSchema.validate.parse(out.persona)).toEqual(out.persona);
    expect(readPersonas(db, { scope: 'segment', subject: 'Champions' })[0]?.persona).toEqual(out.persona);
  });

  it('a bad request is one plain line and exit code 2', () => {
    const both = spawnSync(process.execPath, [bin, 'persona', '--db', ws.path, ...modelArgs()], { encoding: 'utf8' });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/one of --segment or --customer/);
    const r = spawnSync(process.execPath, [bin, 'copy', '--db', ws.path, ...modelArgs(), '--product', 'NOPE'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/No product "NOPE"/);
  });
});
