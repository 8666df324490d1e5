import { describe, expect, it } from 'vitest';
import { runNextAction } from '../src-main/core/analytics/nextaction/job.ts';
import {
  classMetrics,
  evaluate,
  fitMarkov,
  predictNext,
  predictPrefix,
  sessionize,
  stateList,
  transitionMatrix,
  type EventRow,
  type Session,
} from '../src-main/core/analytics/nextaction/markov.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const STATES = stateList(['view', 'search', 'cart', 'purchase', 'favorite']);
const ix = (names: string[]) => names.map((n) => STATES.indexOf(n));
const sess = (...names: string[]): Session => ({ actor: 'a', start: 0, actions: ix(names) });

describe('sessionize', () => {
  it('splits on a 30-minute gap without session ids and groups by id otherwise', () => {
    const rows: EventRow[] = [
      { actor: 'A', sessionId: null, at: 1000 + 1801, type: 'view' }, // new session: gap 1801 s > 1800
      { actor: 'A', sessionId: null, at: 0, type: 'view' },
      { actor: 'A', sessionId: null, at: 1000, type: 'cart' }, // gap exactly 1000 s: same session
      { actor: 'B', sessionId: 's1', at: 5, type: 'search' },
      { actor: 'B', sessionId: 's1', at: 99_999, type: 'view' }, // same id despite the gap
      { actor: 'B', sessionId: 's2', at: 50, type: 'favorite' },
      { actor: 'B', sessionId: 's2', at: 60, type: 'unknown-type-ignored' },
    ];
    const s = sessionize(rows, STATES);
    expect(s.map((x) => [x.actor, x.start, x.actions])).toEqual([
      ['A', 0, ix(['view', 'cart'])],
      ['A', 2801, ix(['view'])],
      ['B', 5, ix(['search', 'view'])],
      ['B', 50, ix(['favorite'])],
    ]);
  });

  it('orders states: known actions, others alphabetically, exit last', () => {
    expect(stateList(['zoom', 'cart', 'view', 'apply', 'exit'])).toEqual(['view', 'cart', 'apply', 'zoom', 'exit']);
  });
});

describe('Markov model', () => {
  // Hand counts: view→cart 2, view→exit 1, view→view 1, cart→purchase 1, cart→exit 1, purchase→exit 1; START→view 3.
  const sessions = [sess('view', 'cart', 'purchase'), sess('view', 'view', 'cart'), sess('view')];

  it('estimates the order-1 matrix as row-normalized counts, with exit after the last action', () => {
    const m = fitMarkov(sessions, STATES, 1, 1);
    const t = transitionMatrix(m);
    expect(t.rowCounts.view).toBe(4);
    expect(t.matrix.view).toMatchObject({ view: 0.25, cart: 0.5, exit: 0.25, purchase: 0 });
    expect(t.matrix.cart).toMatchObject({ purchase: 0.5, exit: 0.5 });
    expect(t.matrix.purchase?.exit).toBe(1);
    expect(t.start.view).toBe(1);
    // search never seen: an empty row.
    expect(t.rowCounts.search).toBe(0);
  });

  it('order 2 uses the pair context when seen minCount times, else backs off to order 1, then the marginal', () => {
    const S = STATES.length;
    const [view, cart, search] = ix(['view', 'cart', 'search']) as [number, number, number];
    const m2 = fitMarkov(sessions, STATES, 2, 1);
    // (view, cart) seen twice: → purchase once (after START,view? no: after view,cart in s1), → exit once (s2).
    const p = predictNext(m2, view, cart);
    expect(p.used).toBe(2);
    expect(p.probs[STATES.indexOf('purchase')]).toBe(0.5);
    // (START, view) seen 3 times: cart 1, view 1, exit 1.
    expect(predictNext(m2, S, view).probs[view]).toBeCloseTo(1 / 3, 12);
    // (search, view) never seen: order 1 for view.
    const b1 = predictNext(m2, search, view);
    expect(b1.used).toBe(1);
    expect(b1.probs[cart]).toBe(0.5);
    // search never seen as a context at all: the marginal (10 transitions: view 4, cart 2, purchase 1, exit 3).
    const b0 = predictNext(m2, view, search);
    expect(b0.used).toBe(0);
    expect(b0.probs[view]).toBeCloseTo(0.4, 12);
    expect(b0.probs[STATES.indexOf('exit')]).toBeCloseTo(0.3, 12);
    // With minCount 3: (view, cart) and the cart row have 2 observations each → the marginal;
    // (START, view) has 3 → order 2; (cart, view)… unseen, but the view row has 4 → order 1.
    const m3 = fitMarkov(sessions, STATES, 2, 3);
    expect(predictNext(m3, view, cart).used).toBe(0);
    expect(predictNext(m3, S, view).used).toBe(2);
    expect(predictNext(m3, cart, view).used).toBe(1);
  });

  it('P(purchase in session) solves the absorbing chain', () => {
    // view → view 0.5, purchase 0.25, exit 0.25: h = 0.25 + 0.5 h, so h = 0.5.
    const s = [
      sess('view', 'view', 'purchase'),
      sess('view', 'view'),
      sess('view', 'purchase'),
      sess('view', 'view', 'view'),
    ];
    // view row: view 4, purchase 2, exit 2 → 0.5, 0.25, 0.25.
    const m = fitMarkov(s, STATES, 1, 1);
    const p = predictPrefix(m, ['view']);
    expect(p.pNextPurchase).toBe(0.25);
    expect(p.pPurchaseInSession).toBeCloseTo(0.5, 9);
    expect(p.next).toBe('view');
    expect(predictPrefix(m, []).pPurchaseInSession).toBeCloseTo(0.5, 9);
    expect(() => predictPrefix(m, ['teleport'])).toThrow(RangeError);
  });

  it('accuracy and macro-F1 by hand', () => {
    // Class 0: tp 1, fn 1 → F1 2/3; class 1: tp 2, fp 1 → F1 0.8.
    const r = classMetrics([0, 0, 1, 1], [0, 1, 1, 1], 3);
    expect(r.accuracy).toBe(0.75);
    expect(r.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 12);
    // The majority baseline of a model: its most frequent training target (view, 4 of 10).
    const ev = evaluate(fitMarkov(sessions, STATES, 1, 1), [sess('view', 'cart')]);
    expect(ev.baseline.predicts).toBe('view');
    // Steps: START→view (pred view ✓), view→cart (pred cart ✓), cart→exit (pred purchase/exit tie → purchase ✗).
    expect(ev.model.n).toBe(3);
    expect(ev.model.accuracy).toBeCloseTo(2 / 3, 12);
    expect(ev.baseline.accuracy).toBeCloseTo(1 / 3, 12);
  });
});

describe('next-action job on a sample shop', () => {
  it('recovers the planted transition matrix and beats the majority baseline out of time', async () => {
    const ws = tempWorkspace();
    try {
      generateSampleShop(ws.db, { customers: 1500, seed: 11 });
      const truth = JSON.parse(
        ws.db.prepare(`SELECT value FROM meta WHERE key = 'sample_truth'`).pluck().get() as string,
      ) as { markov: { matrix: Record<string, Record<string, number>>; start: Record<string, number> } };
      const r = await runNextAction(ws.db, { order: 2, cutoff: '2025-07-01' }, testContext(ws.path));
      expect(r.sessions.train).toBeGreaterThan(1000);
      expect(r.sessions.test).toBeGreaterThan(200);
      // Each row is a multinomial sample of rowCounts draws: a cell's estimate has SE √(p(1−p)/n).
      // 4.5 SE bounds all 30 cells together with a false alarm under 0.03%; structural zeros must stay 0.
      for (const [from, row] of Object.entries(truth.markov.matrix)) {
        const n = r.rowCounts[from]!;
        expect(n).toBeGreaterThan(100);
        for (const [to, p] of Object.entries(row)) {
          const got = r.matrix[from]![to]!;
          if (p === 0) expect(got).toBe(0);
          else expect(Math.abs(got - p)).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / n));
        }
      }
      expect(Math.abs(r.start.view! - truth.markov.start.view!)).toBeLessThan(0.05);
      expect(r.metrics.accuracy).toBeGreaterThan(r.baseline.accuracy);
      expect(r.metrics.macroF1).toBeGreaterThan(r.baseline.macroF1);
      const cart = r.predictions.find((p) => p.prefix.join() === 'view,cart')!;
      // True chain: from cart, P(next purchase) = 0.35; P(purchase in session) is higher.
      expect(cart.pNextPurchase).toBeGreaterThan(0.25);
      expect(cart.pPurchaseInSession).toBeGreaterThan(cart.pNextPurchase);
      const row = ws.db.prepare(`SELECT kind, status FROM analysis_runs WHERE id = ?`).get(r.runId);
      expect(row).toEqual({ kind: 'next-action', status: 'completed' });
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('refuses a cut-off that leaves no test sessions and records the failure', async () => {
    const ws = tempWorkspace();
    try {
      generateSampleShop(ws.db, { customers: 300, seed: 3 });
      await expect(runNextAction(ws.db, { order: 1, cutoff: '2030-01-01' }, testContext(ws.path))).rejects.toThrow(
        UserError,
      );
      expect(ws.db.prepare(`SELECT status FROM analysis_runs`).pluck().get()).toBe('failed');
    } finally {
      ws.cleanup();
    }
  }, 60_000);
});
