/**
 * Analyses that stay bounded on a 1,000,000-customer shop (issue 3): classify samples labels before reading
 * features and scores block by block, next-action streams events into flat session arrays, demand sums weeks in
 * SQL, campaign tallies contacts as it reads them. Each is checked against the plain whole-shop computation on a
 * small sample shop (real SQLite workspace), where nothing is sampled and results must be the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaign } from '../src-main/core/analytics/campaign/job.ts';
import { upliftBySegment } from '../src-main/core/analytics/campaign/uplift.ts';
import { weeklyUnits } from '../src-main/core/analytics/demand/job.ts';
import { scoringDay } from '../src-main/core/analytics/models/churn.ts';
import { allCustomerIds, classifyFeatures, vocabularyAt } from '../src-main/core/analytics/models/classify-data.ts';
import { runClassify, type ClassifyResult } from '../src-main/core/analytics/models/classify-job.ts';
import { stratifiedSample } from '../src-main/core/analytics/models/classify-sample.ts';
import { loadSessions } from '../src-main/core/analytics/nextaction/job.ts';
import {
  classMetrics,
  evaluate,
  fitMarkov,
  predictNext,
  sessionize,
  stateList,
} from '../src-main/core/analytics/nextaction/markov.ts';
import { actionsOf } from '../src-main/core/analytics/nextaction/session-log.ts';
import { runRfm } from '../src-main/core/analytics/jobs.ts';
import { computeRfm } from '../src-main/core/analytics/rfm.ts';
import { buildMatrix, loadInteractions } from '../src-main/core/recommend/implicit/interactions.ts';
import { fitItemKnn } from '../src-main/core/recommend/implicit/item-knn.ts';
import { fitPopularity } from '../src-main/core/recommend/implicit/popularity.ts';
import { ImplicitRecommender } from '../src-main/core/recommend/implicit/recommend.ts';
import { segmentRecommendations } from '../src-main/core/reports/segment-lists.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

describe('stratified sample with an exact size', () => {
  // 300 rows of three classes, 173 / 91 / 36, in a scrambled order.
  const y = Int32Array.from({ length: 300 }, (_, i) => {
    const r = (i * 7) % 300;
    return r < 173 ? 0 : r < 264 ? 1 : 2;
  });

  it('a cap of 50 gives exactly 50 distinct rows, ascending, each class within one row of its share', () => {
    const s = stratifiedSample(y, 3, 50, 11);
    expect(s.length).toBe(50);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
    const counts = [0, 0, 0];
    for (const i of s) counts[y[i]!]!++;
    [173, 91, 36].forEach((n, c) => expect(Math.abs(counts[c]! - (50 * n) / 300)).toBeLessThan(1));
    expect(Array.from(stratifiedSample(y, 3, 50, 11))).toEqual(Array.from(s));
    expect(Array.from(stratifiedSample(y, 3, 50, 12))).not.toEqual(Array.from(s));
  });

  it('keeps every row when the cap is not reached', () => {
    expect(Array.from(stratifiedSample(y, 3, 300, 1))).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});

describe('bounded analyses on a sample shop', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
    generateSampleShop(ws.db, { customers: 1500, seed: 21 });
  });
  afterAll(() => ws.cleanup());

  it('classify: features read in blocks of customers equal the whole-shop matrix', () => {
    const T = scoringDay('2025-06-30');
    const vocab = vocabularyAt(ws.db, T);
    const whole = classifyFeatures(ws.db, T, vocab, 'preferred-category', ['share', 'orders', 'browse', 'recency']);
    const ids = allCustomerIds(ws.db);
    const parts = [ids.subarray(0, 400), ids.subarray(400, 401), ids.subarray(401)].map((block) =>
      classifyFeatures(ws.db, T, vocab, 'preferred-category', ['share', 'orders', 'browse', 'recency'], block),
    );
    expect(whole.n).toBeGreaterThan(500);
    expect(parts.reduce((a, p) => a + p.n, 0)).toBe(whole.n);
    expect(parts.flatMap((p) => Array.from(p.customerIds))).toEqual(Array.from(whole.customerIds));
    expect(parts.flatMap((p) => Array.from(p.X))).toEqual(Array.from(whole.X));
    expect(parts.flatMap((p) => p.externalIds)).toEqual(whole.externalIds);
  });

  it('classify: scoring block by block keeps the top list of scoring everyone at once', async () => {
    const params = { model: 'logistic' as const, seed: 3, top: 300 };
    const once = await runClassify(ws.db, params, testContext(ws.path), {
      maxFitRows: 1e9,
      maxEvalRows: 1e9,
      scoreBlock: 1e9,
    });
    const blocks = await runClassify(ws.db, params, testContext(ws.path), {
      maxFitRows: 1e9,
      maxEvalRows: 1e9,
      scoreBlock: 97,
    });
    const strip = (r: ClassifyResult) => ({ ...r, runId: 0 });
    expect(blocks.scored).toBe(once.scored);
    expect(blocks.customers).toHaveLength(300);
    expect(strip(blocks)).toEqual(strip(once));
  }, 120_000);

  it('classify: past a cap, a seeded stratified sample of exactly that size, stated in the result', async () => {
    const params = { model: 'logistic' as const, seed: 5, target: 'gender' as const };
    const full = await runClassify(ws.db, params, testContext(ws.path));
    const capped = await runClassify(ws.db, params, testContext(ws.path), {
      maxFitRows: 400,
      maxEvalRows: 150,
      scoreBlock: 500,
    });
    expect(full.train.customers).toBeGreaterThan(400);
    expect(capped.train.customers).toBe(400);
    expect(capped.evaluation.customers).toBe(150);
    expect(capped.sampling).toMatchObject({
      train: full.train.customers,
      evaluation: full.evaluation.customers,
      caps: { fit: 400, evaluation: 150 },
      seed: 5,
    });
    // Class shares of the training sample within one row of the full training set's.
    expect(capped.classes).toEqual(full.classes);
    capped.train.classCounts.forEach((n, c) =>
      expect(Math.abs(n - (400 * full.train.classCounts[c]!) / full.train.customers)).toBeLessThan(1),
    );
    expect(capped.scored).toBe(full.scored);
  }, 120_000);

  it('next-action: sessions streamed from SQL are those of sessionizing every event at once', () => {
    const rows = (
      ws.db.prepare(`SELECT customer_id, visitor_id, session_id, occurred_at, type FROM events`).raw().all() as [
        number | null,
        string | null,
        string | null,
        number,
        string,
      ][]
    ).map((r) => ({ actor: r[0] !== null ? `c${r[0]}` : `v${r[1]}`, sessionId: r[2], at: r[3], type: r[4] }));
    const states = stateList(rows.map((r) => r.type));
    const reference = sessionize(rows, states).map((s) => `${s.start}:${s.actions.join(',')}`);
    const { states: streamedStates, log } = loadSessions(ws.db);
    expect(streamedStates).toEqual(states);
    const streamed = Array.from({ length: log.n }, (_, i) => `${log.starts[i]}:${actionsOf(log, i).join(',')}`);
    expect(reference.length).toBeGreaterThan(1000);
    expect(streamed.sort()).toEqual(reference.sort());
  });

  it('next-action: the tallied evaluation equals scoring every prediction held in arrays', () => {
    const { states, log } = loadSessions(ws.db);
    const sessions = Array.from({ length: log.n }, (_, i) => ({ actions: Array.from(actionsOf(log, i)) }));
    const m = fitMarkov(sessions.slice(0, 800), states, 2);
    const test = sessions.slice(800);
    const S = states.length;
    const truth: number[] = [];
    const pred: number[] = [];
    for (const { actions: a } of test) {
      for (let pos = 0; pos <= a.length; pos++) {
        truth.push(pos < a.length ? a[pos]! : S - 1);
        const p = predictNext(m, pos > 1 ? a[pos - 2]! : S, pos > 0 ? a[pos - 1]! : S).probs;
        pred.push(p.indexOf(Math.max(...p)));
      }
    }
    expect(evaluate(m, test).model).toEqual(classMetrics(truth, pred, S));
  });

  it('demand: weekly units summed in SQL equal summing every order line in memory', () => {
    const lines = ws.db
      .prepare(
        `SELECT oi.product_id, o.placed_at, oi.quantity FROM order_items oi JOIN orders o ON o.id = oi.order_id
         WHERE o.status IN ('completed', 'pending')`,
      )
      .raw()
      .all() as [number, number, number][];
    const sums = new Map<string, number>();
    let first = Infinity;
    let last = -Infinity;
    for (const [pid, at, q] of lines) {
      const day = Math.floor(at / 86_400);
      first = Math.min(first, day);
      last = Math.max(last, day);
      const key = `${pid}:${Math.floor((day - 4) / 7)}`;
      sums.set(key, (sums.get(key) ?? 0) + q);
    }
    const w = weeklyUnits(ws.db);
    expect(w.rows).toBe(sums.size);
    expect(w.firstDay).toBe(first);
    expect(w.lastDay).toBe(last);
    for (let r = 0; r < w.rows; r++) expect(w.units[r]).toBeCloseTo(sums.get(`${w.product[r]}:${w.week[r]}`)!, 9);
  });

  it('campaign: contacts tallied while read give the uplifts of the per-contact rows', async () => {
    const r = await runCampaign(ws.db, {}, testContext(ws.path));
    const rfm = new Map(computeRfm(ws.db, { asOf: r.rfmAsOf! }).customers.map((c) => [c.customerId, c.segment]));
    const contacts = ws.db
      .prepare(
        `SELECT cc.customer_id, cc.arm, cc.responded FROM campaign_contacts cc JOIN campaigns k ON k.id = cc.campaign_id
         JOIN customers c ON c.id = cc.customer_id WHERE k.external_id = ?`,
      )
      .raw()
      .all(r.campaign.externalId) as [number, 'treatment' | 'control', number][];
    const rows = contacts.map(([id, arm, responded]) => ({
      segment: rfm.get(id) ?? 'No purchase in the last year',
      arm,
      responded: responded === 1,
    }));
    const reference = upliftBySegment(rows);
    expect(reference.length).toBeGreaterThan(3);
    expect(r.bySegment.map(({ significant: _s, significantAdjusted: _a, ...u }) => u)).toEqual(reference);
    const { segment: _all, ...overall } = upliftBySegment(rows.map((x) => ({ ...x, segment: 'all' })))[0]!;
    expect(r.overall).toEqual(overall);
  });

  it("report: segment lists from the stored model and the run's stored scores equal a fresh fit and RFM", async () => {
    const rfm = await runRfm(ws.db, {}, testContext(ws.path));
    const runId = ws.db.prepare(`SELECT MAX(id) FROM analysis_runs WHERE kind = 'rfm'`).pluck().get() as number;
    // The reference: item-kNN fitted now, membership recomputed as of the run (what the report did before).
    const log = loadInteractions(ws.db);
    const matrix = buildMatrix(log);
    const rec = new ImplicitRecommender(matrix, fitItemKnn(matrix, { neighbours: 50 }), fitPopularity(matrix));
    const names = rfm.segments.filter((s) => s.customers > 0).map((s) => s.segment);
    const member = new Map(computeRfm(ws.db, { asOf: rfm.asOf }).customers.map((c) => [c.customerId, c.segment]));
    const segmentOf = Int32Array.from(log.userIds, (id) => names.indexOf(member.get(id) ?? ''));
    const sku = ws.db.prepare('SELECT sku FROM products WHERE id = ?').pluck();
    const reference = rec
      .bySegment(segmentOf, names.length, 10)
      .map((list) => list.map((r) => ({ sku: sku.get(log.itemIds[r.item]!), score: r.score })));
    expect(reference.flat().length).toBeGreaterThan(20);
    // Twice: the first fits and stores the model beside the workspace, the second reads it back.
    for (let pass = 0; pass < 2; pass++) {
      const lists = segmentRecommendations(ws.db, rfm, 10, runId);
      expect(lists.map((l) => l.segment)).toEqual(names);
      expect(lists.map((l) => l.items.map(({ sku, score }) => ({ sku, score })))).toEqual(reference);
    }
  }, 60_000);
});
