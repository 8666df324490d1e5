import { describe, expect, it } from 'vitest';
import {
  aggregateBgnbd,
  bgnbdLogLikelihood,
  expectedPurchases,
  expectedPurchasesNew,
  fitBgnbd,
  lbeta,
  probabilityAlive,
  type BgnbdParams,
} from '../src-main/core/analytics/clv/bgnbd.ts';
import {
  customerLifetimeValue,
  expectedAverageProfit,
  fitGammaGamma,
  gammaGammaLogLikelihood,
} from '../src-main/core/analytics/clv/gamma-gamma.ts';
import { customerSummary, parseDay, summarizeTransactions } from '../src-main/core/analytics/clv/summary.ts';
import { runClv } from '../src-main/core/analytics/jobs.ts';
import { minimizeLbfgs } from '../src-main/core/analytics/optim/lbfgs.ts';
import { digamma, hyp2f1, lgamma } from '../src-main/core/math/special.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { Rng } from '../src-main/core/sample/rng.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const DAY = 86_400;

/**
 * Simulates BG/NBD customers: λ ~ Gamma(r, α), p ~ Beta(a, b); purchases at
 * rate λ while alive, dropout after each repeat purchase with probability p.
 * Observed for T_i (uniform in [tMin, tMax]); also counts purchases in a
 * holdout (T_i, T_i + holdout] and whether the customer is alive at T_i.
 */
function simulateBgnbd(params: BgnbdParams, n: number, seed: number, tMin: number, tMax: number, holdout = 0) {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const alive = new Uint8Array(n);
  const future = new Float64Array(n);
  const times: number[][] = [];
  for (let i = 0; i < n; i++) {
    const lambda = rng.gamma(params.r, params.alpha);
    const p = rng.beta(params.a, params.b);
    const Ti = rng.uniform(tMin, tMax);
    T[i] = Ti;
    const own: number[] = [0];
    let t = 0;
    let dead = false;
    let xi = 0;
    let last = 0;
    let fut = 0;
    for (;;) {
      t += rng.exponential(lambda);
      if (t > Ti + holdout) break;
      if (t <= Ti) {
        xi++;
        last = t;
        own.push(t);
      } else fut++;
      if (rng.chance(p)) {
        dead = t <= Ti;
        break;
      }
    }
    // Alive at T unless dropout happened at a purchase on or before T.
    alive[i] = dead ? 0 : 1;
    x[i] = xi;
    tx[i] = last;
    future[i] = fut;
    times.push(own);
  }
  return { x, tx, T, alive, future, times };
}

describe('special functions', () => {
  it('lgamma, digamma and 2F1 match closed forms', () => {
    expect(lgamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lgamma(10)).toBeCloseTo(Math.log(362_880), 12);
    expect(lgamma(1e-3)).toBeCloseTo(6.907_178_885_383_854, 11);
    expect(digamma(1)).toBeCloseTo(-0.577_215_664_901_532_9, 13);
    expect(digamma(0.25)).toBeCloseTo(-Math.PI / 2 - 3 * Math.log(2) - 0.577_215_664_901_532_9, 12);
    // 2F1(1, 1; 2; z) = −ln(1 − z)/z and 2F1(a, b; b; z) = (1 − z)^−a.
    for (const z of [0, 0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(z === 0 ? 1 : -Math.log1p(-z) / z, 10);
      expect(hyp2f1(2.5, 3, 3, z)).toBeCloseTo(Math.pow(1 - z, -2.5), 8);
    }
  });
});

describe('L-BFGS', () => {
  it('minimizes the Rosenbrock function', () => {
    const res = minimizeLbfgs(
      (v, g) => {
        const [a, b] = [v[0]!, v[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      [-1.2, 1],
      { gradientTolerance: 1e-10 },
    );
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 8);
    expect(res.x[1]).toBeCloseTo(1, 8);
  });
});

describe('customer summary (lifetimes definitions)', () => {
  // Day numbers from 2024-01-01; calibration ends 2024-01-15 (day 14).
  const d0 = parseDay('2024-01-01');
  const at = (day: number, hour = 12) => (d0 + day) * DAY + hour * 3600;
  // Customer 1: two orders on day 0 (10 + 20), one on day 3 (5), two on day 10 (7 + 3), one after the end.
  // Customer 2: one order on day 7. Customer 3: first order after the end (left out).
  // Customer 4: two orders on the same day only (x = 0).
  const log = {
    customer: [1, 1, 1, 1, 1, 1, 2, 3, 4, 4],
    time: [at(0, 9), at(0, 18), at(3), at(10, 1), at(10, 23), at(20), at(7), at(15), at(2, 8), at(2, 9)],
    amount: [10, 20, 5, 7, 3, 99, 40, 50, 8, 9],
  };

  it('counts repeat purchase days, recency and age in days', () => {
    const s = summarizeTransactions(log, d0 + 14, 'day');
    expect([...s.customer]).toEqual([1, 2, 4]);
    expect([...s.frequency]).toEqual([2, 0, 0]);
    expect([...s.recency]).toEqual([10, 0, 0]);
    expect([...s.T]).toEqual([14, 7, 12]);
    // Repeat days are day 3 (5) and day 10 (7 + 3): mean 7.5; the first day's 30 does not count.
    expect([...s.monetary]).toEqual([7.5, 0, 0]);
  });

  it('gives weeks as days / 7', () => {
    const s = summarizeTransactions(log, d0 + 14, 'week');
    expect(s.recency[0]).toBeCloseTo(10 / 7, 14);
    expect(s.T[0]).toBe(2);
    expect(s.T[1]).toBe(1);
  });

  it('rejects unsorted logs and bad dates', () => {
    expect(() =>
      summarizeTransactions({ customer: [1, 1], time: [at(2), at(1)], amount: [1, 1] }, d0 + 14, 'day'),
    ).toThrow(/sorted/);
    expect(() => parseDay('2024-02-30')).toThrow(/no such date/);
    expect(() => parseDay('30/01/2024')).toThrow(/YYYY-MM-DD/);
  });

  it('reads sales from the workspace, leaving out cancelled and returned orders', () => {
    const ws = tempWorkspace();
    try {
      const { db } = ws;
      db.prepare(`INSERT INTO customers (id, external_id) VALUES (1, 'A'), (2, 'B')`).run();
      const ins = db.prepare(
        `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?)`,
      );
      ins.run('o1', 1, at(0), 'completed', 10);
      ins.run('o2', 1, at(2), 'cancelled', 100);
      ins.run('o3', 1, at(4), 'returned', -10);
      ins.run('o4', 1, at(5), 'pending', 6);
      ins.run('o5', 2, at(1), 'completed', 3);
      ins.run('o6', null, at(1), 'completed', 3);
      const s = customerSummary(db, '2024-01-15', 'day');
      expect([...s.customer]).toEqual([1, 2]);
      expect([...s.frequency]).toEqual([1, 0]);
      expect([...s.recency]).toEqual([5, 0]);
      expect([...s.T]).toEqual([14, 13]);
      expect([...s.monetary]).toEqual([6, 0]);
    } finally {
      ws.cleanup();
    }
  });
});

/** BG/NBD log-likelihood written straight from FHL (2005) eq. 6 with ln Γ and ln B: an independent check of the tabulated version. */
function directLl(p: BgnbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const common = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const l1 = lbeta(a, b + x) - lbeta(a, b) + common - (r + x) * Math.log(alpha + T);
  if (x === 0) return l1;
  const l2 = lbeta(a + 1, b + x - 1) - lbeta(a, b) + common - (r + x) * Math.log(alpha + tx);
  return Math.log(Math.exp(l1) + Math.exp(l2));
}

describe('BG/NBD', () => {
  const truth: BgnbdParams = { r: 0.6, alpha: 5, a: 0.8, b: 2.5 };

  it('log-likelihood equals the paper formula and aggregation does not change it', () => {
    const sim = simulateBgnbd(truth, 300, 11, 10, 40);
    const data = aggregateBgnbd(sim.x, sim.tx, sim.T);
    let direct = 0;
    for (let i = 0; i < 300; i++) direct += directLl(truth, sim.x[i]!, sim.tx[i]!, sim.T[i]!);
    expect(bgnbdLogLikelihood(truth, data)).toBeCloseTo(direct, 8);
    // Heavy duplication: 3 copies of each customer aggregate to the same rows with weight 3.
    const rep = (a: Float64Array) => Float64Array.from([...a, ...a, ...a]);
    const tripled = aggregateBgnbd(rep(sim.x), rep(sim.tx), rep(sim.T));
    expect(tripled.x.length).toBe(data.x.length);
    expect(bgnbdLogLikelihood(truth, tripled)).toBeCloseTo(3 * direct, 7);
  });

  it('analytic gradient matches central finite differences', () => {
    const sim = simulateBgnbd(truth, 500, 12, 5, 50);
    const data = aggregateBgnbd(sim.x, sim.tx, sim.T);
    for (const p of [truth, { r: 0.2, alpha: 12, a: 1.7, b: 0.9 }, { r: 3, alpha: 0.5, a: 0.3, b: 8 }]) {
      const g = new Float64Array(4);
      bgnbdLogLikelihood(p, data, g);
      const keys = ['r', 'alpha', 'a', 'b'] as const;
      keys.forEach((k, j) => {
        const h = 1e-6 * p[k];
        const up = bgnbdLogLikelihood({ ...p, [k]: p[k] + h }, data);
        const down = bgnbdLogLikelihood({ ...p, [k]: p[k] - h }, data);
        const fd = (up - down) / (2 * h);
        expect(Math.abs(g[j]! - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      });
    }
  });

  it('recovers known parameters from 20,000 simulated customers within 4 standard errors', () => {
    const sim = simulateBgnbd(truth, 20_000, 2024, 26, 52);
    const fit = fitBgnbd(aggregateBgnbd(sim.x, sim.tx, sim.T));
    expect(fit.converged).toBe(true);
    const se = fit.standardErrors!;
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      // Tolerance from the sample size: 4 asymptotic standard errors (observed information at n = 20,000).
      expect(Math.abs(fit.params[k] - truth[k])).toBeLessThan(4 * se[k]);
      // And the standard errors are those of a well-identified fit at this n (a few % of the value).
      expect(se[k] / fit.params[k]).toBeLessThan(0.15);
    }
    // The fit's log-likelihood is at least the truth's (it is the maximum).
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgnbdLogLikelihood(truth, aggregateBgnbd(sim.x, sim.tx, sim.T)));
  });

  it('P(alive) and holdout purchases agree with the simulated truth', () => {
    const n = 20_000;
    const holdout = 26;
    const sim = simulateBgnbd(truth, n, 77, 26, 52, holdout);
    let pSum = 0;
    let pVar = 0;
    let aliveCount = 0;
    let eSum = 0;
    let futureSum = 0;
    let futureSq = 0;
    for (let i = 0; i < n; i++) {
      const pa = probabilityAlive(truth, sim.x[i]!, sim.tx[i]!, sim.T[i]!);
      pSum += pa;
      pVar += pa * (1 - pa);
      aliveCount += sim.alive[i]!;
      eSum += expectedPurchases(truth, holdout, sim.x[i]!, sim.tx[i]!, sim.T[i]!);
      futureSum += sim.future[i]!;
      futureSq += sim.future[i]! ** 2;
    }
    // Σ P(alive) estimates the number alive; its sampling SD is √Σ p(1−p) given the data.
    expect(Math.abs(pSum - aliveCount)).toBeLessThan(4 * Math.sqrt(pVar));
    // Holdout totals: SD of a sum of n independent counts ≈ √n · sd(count).
    const sd = Math.sqrt(futureSq / n - (futureSum / n) ** 2);
    expect(Math.abs(eSum - futureSum)).toBeLessThan(4 * Math.sqrt(n) * sd);
  });

  it('expected purchases of a brand-new customer agree with eq. 7 and with simulation', () => {
    expect(expectedPurchases(truth, 30, 0, 0, 0)).toBeCloseTo(expectedPurchasesNew(truth, 30), 12);
    const n = 20_000;
    const sim = simulateBgnbd(truth, n, 5, 30, 30);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      s += sim.x[i]!;
      s2 += sim.x[i]! ** 2;
    }
    const sd = Math.sqrt(s2 / n - (s / n) ** 2);
    expect(Math.abs(s / n - expectedPurchasesNew(truth, 30))).toBeLessThan((4 * sd) / Math.sqrt(n));
    expect(probabilityAlive(truth, 0, 0, 10)).toBe(1);
    // A customer who bought often long ago is less likely alive than one who bought recently.
    expect(probabilityAlive(truth, 5, 5, 40)).toBeLessThan(probabilityAlive(truth, 5, 38, 40));
  });
});

/** Simulates Gamma-Gamma spend: ν ~ Gamma(q, v); each of x repeat transactions ~ Gamma(p, ν); x ~ 1 + Poisson(2). */
function simulateSpend(p: number, q: number, v: number, n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  const zbar = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const nu = rng.gamma(q, v);
    const k = 1 + rng.poisson(2);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += rng.gamma(p, nu);
    x[i] = k;
    zbar[i] = sum / k;
  }
  return { x, zbar };
}

describe('Gamma-Gamma', () => {
  const truth = { p: 6, q: 4, v: 15 };

  it('analytic gradient matches central finite differences', () => {
    const { x, zbar } = simulateSpend(truth.p, truth.q, truth.v, 400, 3);
    for (const prm of [truth, { p: 2, q: 1.5, v: 40 }]) {
      const g = new Float64Array(3);
      gammaGammaLogLikelihood(prm, x, zbar, g);
      (['p', 'q', 'v'] as const).forEach((k, j) => {
        const h = 1e-6 * prm[k];
        const fd =
          (gammaGammaLogLikelihood({ ...prm, [k]: prm[k] + h }, x, zbar) -
            gammaGammaLogLikelihood({ ...prm, [k]: prm[k] - h }, x, zbar)) /
          (2 * h);
        expect(Math.abs(g[j]! - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      });
    }
  });

  it('recovers known parameters from 10,000 simulated repeat buyers within 4 standard errors', () => {
    const { x, zbar } = simulateSpend(truth.p, truth.q, truth.v, 10_000, 99);
    const fit = fitGammaGamma(x, zbar);
    expect(fit.converged).toBe(true);
    for (const k of ['p', 'q', 'v'] as const) {
      expect(Math.abs(fit.params[k] - truth[k])).toBeLessThan(4 * fit.standardErrors![k]);
    }
  });

  it('expected spend shrinks toward the population mean; CLV discounts monthly purchases', () => {
    const gg = { p: 6, q: 4, v: 15 };
    const population = (gg.p * gg.v) / (gg.q - 1);
    expect(expectedAverageProfit(gg, 0, 0)).toBeCloseTo(population, 12);
    const few = expectedAverageProfit(gg, 1, 100);
    const many = expectedAverageProfit(gg, 50, 100);
    expect(few).toBeGreaterThan(population);
    expect(many).toBeGreaterThan(few);
    expect(many).toBeLessThan(100);
    const bg: BgnbdParams = { r: 0.6, alpha: 5, a: 0.8, b: 2.5 };
    // One month, no discounting: expected purchases in the month × expected spend.
    const one = customerLifetimeValue(bg, gg, 3, 20, 30, 50, { unit: 'week', months: 1, discountRate: 0 });
    expect(one).toBeCloseTo(expectedPurchases(bg, 4.345, 3, 20, 30) * expectedAverageProfit(gg, 3, 50), 10);
    // Undiscounted 12 months = cumulative expectation over 12 × 4.345 weeks × spend; discounting lowers it.
    const flat = customerLifetimeValue(bg, gg, 3, 20, 30, 50, { unit: 'week', months: 12, discountRate: 0 });
    expect(flat).toBeCloseTo(expectedPurchases(bg, 12 * 4.345, 3, 20, 30) * expectedAverageProfit(gg, 3, 50), 8);
    expect(customerLifetimeValue(bg, gg, 3, 20, 30, 50, { unit: 'week', months: 12, discountRate: 0.01 })).toBeLessThan(
      flat,
    );
  });
});

describe('runClv job', () => {
  /** A workspace whose customers buy by BG/NBD in days, with spend by Gamma-Gamma; some orders cancelled. */
  function seedWorkspace(db: ReturnType<typeof tempWorkspace>['db'], n: number) {
    const sim = simulateBgnbd({ r: 0.8, alpha: 40, a: 0.8, b: 2.5 }, n, 8, 100, 300);
    const rng = new Rng(9);
    const start = parseDay('2023-01-01');
    const end = start + 300;
    const insC = db.prepare(`INSERT INTO customers (id, external_id) VALUES (?, ?)`);
    const insO = db.prepare(
      `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?)`,
    );
    let k = 0;
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        insC.run(i + 1, `C${i + 1}`);
        const first = end - sim.T[i]!;
        const nu = rng.gamma(4, 60);
        for (const t of sim.times[i]!) {
          const placed = Math.floor((first + t) * DAY);
          insO.run(`O${++k}`, i + 1, placed, 'completed', Math.round(rng.gamma(6, nu) * 100) / 100);
          if (rng.chance(0.05)) insO.run(`O${++k}`, i + 1, placed + 60, 'cancelled', 500);
        }
      }
    })();
    return { calibrationEnd: new Date(end * DAY * 1000).toISOString().slice(0, 10) };
  }

  it('fits both models and records the run in analysis_runs', async () => {
    const ws = tempWorkspace();
    try {
      const { calibrationEnd } = seedWorkspace(ws.db, 1500);
      const ctx = testContext(ws.path);
      const res = await runClv(ws.db, { calibrationEnd, timeUnit: 'day', horizon: 6 }, ctx);
      expect(res.customers).toBe(1500);
      expect(res.repeatBuyers).toBeGreaterThan(300);
      expect(res.bgnbd.logLikelihood).toBeLessThan(0);
      expect(res.gammaGamma).not.toBeNull();
      expect(res.top.length).toBe(100);
      expect(res.top[0]!.externalId).toMatch(/^C\d+$/);
      expect(res.top[0]!.clv).toBeGreaterThanOrEqual(res.top[99]!.clv!);
      expect(res.totals.clv).toBeGreaterThan(0);
      expect(ctx.calls).toBeGreaterThanOrEqual(4);
      const row = ws.db.prepare(`SELECT * FROM analysis_runs WHERE id = ?`).get(res.runId) as Record<string, unknown>;
      expect(row.kind).toBe('clv');
      expect(row.status).toBe('completed');
      expect(row.seed).toBeNull();
      expect(JSON.parse(row.params as string)).toEqual({
        calibrationEnd,
        timeUnit: 'day',
        horizon: 6,
        discountRate: 0.01,
      });
      expect(JSON.parse(row.result as string).bgnbd).toEqual(res.bgnbd);
      expect(JSON.parse(row.metrics as string).bgnbd.converged).toBe(true);
      expect(row.created_at).toBeTypeOf('number');
      // Same data, same answer.
      const again = await runClv(ws.db, { calibrationEnd, timeUnit: 'day', horizon: 6 }, testContext(ws.path));
      expect(again.bgnbd).toEqual(res.bgnbd);
    } finally {
      ws.cleanup();
    }
  });

  it('rejects bad parameters and records cancellation', async () => {
    const ws = tempWorkspace();
    try {
      const { calibrationEnd } = seedWorkspace(ws.db, 200);
      const ctx = testContext(ws.path);
      await expect(runClv(ws.db, { calibrationEnd: '2023-13-01', timeUnit: 'day' }, ctx)).rejects.toThrow(UserError);
      await expect(runClv(ws.db, { calibrationEnd, timeUnit: 'month' as 'day' }, ctx)).rejects.toThrow(/timeUnit/);
      await expect(runClv(ws.db, { calibrationEnd: '1990-01-01', timeUnit: 'day' }, ctx)).rejects.toThrow(/no sales/);
      await expect(runClv(ws.db, { calibrationEnd, timeUnit: 'day' }, testContext(ws.path, 2))).rejects.toThrow(
        /cancelled/,
      );
      const rows = ws.db.prepare(`SELECT status FROM analysis_runs ORDER BY id`).pluck().all();
      expect(rows).toEqual(['failed', 'cancelled']);
    } finally {
      ws.cleanup();
    }
  });
});
