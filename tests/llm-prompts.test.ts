// Grounding (aggregates and pseudonyms only), prompt building, history trimming, and one grounded SMS through the
// real runtime with the generated tiny model.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src-main/core/db/workspace.ts';
import { customerGrounding, productGrounding, pseudonym, segmentGrounding } from '../src-main/core/llm/grounding.ts';
import { buildPrompt, clampToLimit, fitHistory, SMS_LIMIT, TEMPLATES, TONES } from '../src-main/core/llm/prompts.ts';
import { LlmRuntime } from '../src-main/core/llm/runtime.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';
import { tempWorkspace } from './helpers/workspace.ts';

let ws: ReturnType<typeof tempWorkspace>;
let db: Db;
const PII: string[] = [];
const day = (d: string) => Date.parse(d) / 1000;

beforeAll(() => {
  ws = tempWorkspace();
  db = ws.db;
  const products = [
    ['SKU-TEA', 'Jasmine green tea', 'Tea', 12],
    ['SKU-CUP', 'Porcelain cup', 'Tableware', 20],
    ['SKU-POT', 'Clay teapot', 'Tableware', 45],
  ] as const;
  for (const [sku, title, category, price] of products) {
    db.prepare('INSERT INTO products (sku, title, category, price) VALUES (?, ?, ?, ?)').run(
      sku,
      title,
      category,
      price,
    );
  }
  // 20 customers with PII-looking values that must never reach a prompt.
  let order = 0;
  for (let c = 1; c <= 20; c++) {
    const person = [`Zhang Wei${c}`, `+86 138 0000 ${1000 + c}`, `buyer${c}@example.com`, `${c} Nanjing Road`];
    PII.push(...person, `ext-${c}-secret`);
    db.prepare('INSERT INTO customers (id, external_id, name, phone, email, address) VALUES (?, ?, ?, ?, ?, ?)').run(
      c,
      `ext-${c}-secret`,
      ...person,
    );
    // Customer c buys c orders (more for later ids), the last ones recent for high ids.
    for (let k = 0; k < Math.ceil(c / 4); k++) {
      const placed = day('2024-06-30') - (20 - c) * 10 * 86_400 - k * 30 * 86_400;
      const id = ++order;
      const amount = 12 + (c % 3) * 20;
      db.prepare('INSERT INTO orders (id, external_id, customer_id, placed_at, amount) VALUES (?, ?, ?, ?, ?)').run(
        id,
        `o${id}`,
        c,
        placed,
        amount,
      );
      db.prepare('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, 1, 1, 12)').run(id);
      if (c % 3 > 0)
        db.prepare('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, 2, 1, 20)').run(id);
      if (c % 3 > 1)
        db.prepare('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, 3, 1, 20)').run(id);
    }
  }
  db.prepare('INSERT INTO reviews (customer_id, product_id, rating, text, created_at) VALUES (1, 1, 4, ?, 0)').run(
    'Great tea, call me at 13800001001',
  );
  PII.push('13800001001');
  // Stored CLV and churn runs, as their jobs write them.
  const run = (kind: string, result: unknown) =>
    db
      .prepare(
        `INSERT INTO analysis_runs (kind, params, status, result, created_at) VALUES (?, '{}', 'completed', ?, 0)`,
      )
      .run(kind, JSON.stringify(result));
  run('clv', { top: [{ customerId: 20, externalId: 'ext-20-secret', clv: 321.5, pAlive: 0.9 }] });
  run('churn', {
    horizonDays: 90,
    atRisk: [{ customerId: 20, externalId: 'ext-20-secret', probability: 0.7, reasons: ['recency high'] }],
  });
});
afterAll(() => ws?.cleanup());

function assertNoPii(text: string): void {
  for (const value of PII) expect(text).not.toContain(value);
}

describe('grounding', () => {
  it('summarizes a segment with aggregates only', () => {
    const champions = segmentGrounding(db, 'Champions');
    expect(champions.facts).toMatchObject({ segment: 'Champions', asOf: '2024-06-30' });
    const facts = champions.facts as { customers: number; revenueShare: number; averageOrderValue: number };
    expect(facts.customers).toBeGreaterThan(0);
    expect(facts.revenueShare).toBeGreaterThan(0);
    expect(facts.revenueShare).toBeLessThanOrEqual(1);
    expect(champions.text).toMatch(/Customer segment "Champions"/);
    expect(champions.text).toMatch(/Revenue share: \d/);
    expect(champions.text).toMatch(/Top categories: (Tea|Tableware) \(\d/);
    expect(champions.text).toMatch(/lifetime value: 1/);
    expect(champions.text).toMatch(/churn at-risk list \(90 days\): 1, mean risk 70%/);
    assertNoPii(champions.text + JSON.stringify(champions.facts));
    expect(() => segmentGrounding(db, 'Nobody')).toThrow(/No customers in segment/);
  });

  it('describes a customer under a pseudonym', () => {
    const g = customerGrounding(db, 20);
    expect(g.facts).toMatchObject({ customer: pseudonym(20), orders: 5, daysSinceLastOrder: 0 });
    expect(pseudonym(20)).toMatch(/^C-[0-9a-f]{8}$/);
    expect(g.text).toMatch(/Predicted lifetime value: 321.5/);
    expect(g.text).toMatch(/Churn risk: 70% \(recency high\)/);
    assertNoPii(g.text + JSON.stringify(g.facts));
    // Customer 1 bought tea only: its segment peers' other products are suggested.
    const one = customerGrounding(db, 1);
    expect((one.facts as { recommendedProducts: string[] }).recommendedProducts).not.toContain('Jasmine green tea');
    assertNoPii(one.text);
  });

  it('describes a product by SKU without review text', () => {
    const g = productGrounding(db, 'SKU-TEA');
    expect(g.facts).toMatchObject({ product: 'Jasmine green tea', category: 'Tea', buyers: 20, averageRating: 4 });
    expect(g.text).toMatch(/Often bought with: Porcelain cup, Clay teapot/);
    assertNoPii(g.text + JSON.stringify(g.facts));
    expect(() => productGrounding(db, 'SKU-NONE')).toThrow(/No product/);
  });
});

describe('prompts', () => {
  const grounding = 'Customer segment "Champions"\n- Customers: 5';

  it('keeps the system prefix stable across requests and puts the grounding in it', () => {
    for (const template of TEMPLATES) {
      for (const tone of TONES) {
        for (const language of ['zh', 'en'] as const) {
          const a = buildPrompt({ template, tone, language, grounding, request: 'Spring sale' });
          const b = buildPrompt({ template, tone, language, grounding, request: 'Shorter please' });
          expect(a.system).toBe(b.system);
          expect(a.system).toContain(grounding);
          expect(a.user).toBe('Spring sale');
          expect(a.maxTokens).toBeGreaterThan(0);
        }
      }
    }
    const sms = buildPrompt({ template: 'sms', tone: 'friendly', language: 'zh', grounding, request: '春季促销' });
    expect(sms.charLimit).toBe(SMS_LIMIT.zh);
    expect(sms.system).toMatch(/不超过70个字/);
    expect(buildPrompt({ template: 'sms', tone: 'urgent', language: 'en', grounding, request: 'x' }).system).toMatch(
      /at most 160 characters[\s\S]*urgent/,
    );
    expect(
      buildPrompt({ template: 'email', tone: 'friendly', language: 'en', grounding, request: 'x' }).charLimit,
    ).toBe(null);
  });

  it('clamps to a character limit, counting Chinese characters', () => {
    expect(clampToLimit('短信'.repeat(50), 70)).toHaveLength(70);
    expect(clampToLimit('春季大促。全场八折！欢迎选购。', 12)).toBe('春季大促。全场八折！');
    expect(clampToLimit('Big spring sale on green tea today only', 20)).toBe('Big spring sale on');
    expect(clampToLimit('short', 160)).toBe('short');
  });

  it('trims the oldest turns explicitly and reports them', () => {
    const count = (t: string) => t.length;
    const history = [
      { role: 'user' as const, text: 'a'.repeat(100) },
      { role: 'assistant' as const, text: 'b'.repeat(100) },
      { role: 'user' as const, text: 'c'.repeat(50) },
      { role: 'assistant' as const, text: 'd'.repeat(50) },
    ];
    const all = fitHistory({
      system: 's'.repeat(100),
      user: 'u',
      history,
      contextSize: 1000,
      reserve: 100,
      countTokens: count,
    });
    expect(all).toMatchObject({ trimmed: [], trimmedTokens: 0, overflow: false });
    expect(all.promptTokens).toBe(100 + 1 + 300 + 6 * 8);
    const some = fitHistory({
      system: 's'.repeat(100),
      user: 'u',
      history,
      contextSize: 450,
      reserve: 100,
      countTokens: count,
    });
    expect(some.trimmed).toEqual(history.slice(0, 2));
    expect(some.trimmedTokens).toBe(216);
    expect(some.history).toEqual(history.slice(2));
    expect(some.promptTokens).toBeLessThanOrEqual(350);
    const none = fitHistory({
      system: 's'.repeat(400),
      user: 'u',
      history,
      contextSize: 450,
      reserve: 100,
      countTokens: count,
    });
    expect(none).toMatchObject({ history: [], overflow: true });
    expect(none.trimmed).toHaveLength(4);
  });
});

describe('grounded SMS with the real runtime', () => {
  let runtime: LlmRuntime;
  let model: string;
  beforeAll(() => {
    model = writeTinyGguf(join(ws.dir, 'tiny.gguf'));
    runtime = new LlmRuntime({ gpu: false, threads: 1, contextSize: 1024 });
  });
  afterAll(async () => {
    await runtime?.close();
    rmSync(model, { force: true });
  });

  it('generates within maxTokens and the SMS limit', async () => {
    await runtime.load(model);
    // The tiny model's vocabulary is mostly single bytes (about a token a character): a short grounding keeps the
    // prompt inside its 1024-token context.
    const g = segmentGrounding(db, 'Champions', { top: 1 });
    const prompt = buildPrompt({
      template: 'sms',
      tone: 'friendly',
      language: 'en',
      grounding: g.text,
      request: 'Thank them and announce new teapots',
      charLimit: 60,
    });
    expect(prompt.maxTokens).toBe(24);
    expect(Buffer.byteLength(prompt.system + prompt.user)).toBeLessThan(1024 - 24 - 64);
    const reply = await runtime.chat(prompt.user, { system: prompt.system, maxTokens: prompt.maxTokens });
    expect(reply.tokens).toBeLessThanOrEqual(prompt.maxTokens);
    expect(reply.stopReason).toBe('maxTokens');
    const sms = clampToLimit(reply.text, prompt.charLimit!);
    expect([...sms].length).toBeLessThanOrEqual(60);
    expect(sms.length).toBeGreaterThan(0);
  });
});
