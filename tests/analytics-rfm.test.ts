import { describe, expect, it } from 'vitest';
import { recencyFrequencyGrid, runRfm } from '../src-main/core/analytics/jobs.ts';
import {
  computeRfm,
  DEFAULT_SEGMENT_RULES,
  quintileScores,
  segmentMap,
  type SegmentRule,
} from '../src-main/core/analytics/rfm.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { Rng } from '../src-main/core/sample/rng.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const DAY = 86_400;
const SEGMENTS = [
  'Champions',
  'Loyal',
  'Potential Loyalist',
  'New',
  'Promising',
  'Need Attention',
  'About to Sleep',
  'At Risk',
  "Can't Lose Them",
  'Hibernating',
  'Lost',
];

describe('RFM segment rules', () => {
  it('map each of the 125 cells to exactly one of the 11 segments, each reachable', () => {
    const map = segmentMap();
    expect(map.size).toBe(125);
    const reached = new Set(map.values());
    expect([...reached].sort()).toEqual([...SEGMENTS].sort());
    // "Exactly one": the first matching rule wins, so each cell's segment is the first rule that matches it.
    for (const [cell, segment] of map) {
      const [r, f, m] = [...cell].map(Number) as [number, number, number];
      const first = DEFAULT_SEGMENT_RULES.find(
        (rule) =>
          (!rule.r || (r >= rule.r[0] && r <= rule.r[1])) &&
          (!rule.f || (f >= rule.f[0] && f <= rule.f[1])) &&
          (!rule.m || (m >= rule.m[0] && m <= rule.m[1])),
      );
      expect(first?.segment).toBe(segment);
    }
    expect(map.get('555')).toBe('Champions');
    expect(map.get('111')).toBe('Lost');
    expect(map.get('113')).toBe('Hibernating');
    expect(map.get('155')).toBe("Can't Lose Them");
    expect(map.get('151')).toBe('At Risk');
    expect(map.get('511')).toBe('New');
  });

  it('accept a custom table and refuse one that leaves cells uncovered', () => {
    const twoWay: SegmentRule[] = [{ segment: 'Recent', r: [4, 5] }, { segment: 'Other' }];
    const map = segmentMap(twoWay);
    expect(new Set(map.values())).toEqual(new Set(['Recent', 'Other']));
    expect(() => segmentMap([{ segment: 'Only top', r: [5, 5] }])).toThrow(/R1 F1 M1/);
  });
});

describe('quintile scores', () => {
  it('split distinct values into fifths', () => {
    expect([...quintileScores([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])]).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    // Lower is better for recency.
    expect([...quintileScores([1, 2, 3, 4, 5], false)]).toEqual([5, 4, 3, 2, 1]);
  });

  it('give ties the score of their lowest-ranked member, whatever the input order', () => {
    // Four 1s share score 1 (nothing is below them); 2 has 4 values below: 1 + ⌊5·4/10⌋ = 3.
    const values = [1, 1, 1, 1, 2, 3, 4, 5, 6, 7];
    expect([...quintileScores(values)]).toEqual([1, 1, 1, 1, 3, 3, 4, 4, 5, 5]);
    const shuffled = [7, 1, 4, 1, 6, 2, 1, 5, 3, 1];
    const s = quintileScores(shuffled);
    shuffled.forEach((v, i) => expect(s[i]).toBe(quintileScores(values)[values.indexOf(v)]));
    expect([...quintileScores([3, 3, 3])]).toEqual([1, 1, 1]);
  });
});

describe('recency × frequency grid', () => {
  it('counts customers per (R, F) cell and averages their monetary value', () => {
    const grid = recencyFrequencyGrid([
      { r: 5, f: 5, monetary: 100 },
      { r: 5, f: 5, monetary: 300 },
      { r: 1, f: 2, monetary: 10 },
    ]);
    expect(grid.customers[4]![4]).toBe(2);
    expect(grid.meanMonetary[4]![4]).toBe(200);
    expect(grid.customers[0]![1]).toBe(1);
    expect(grid.customers.flat().reduce((a, b) => a + b, 0)).toBe(3);
    expect(grid.meanMonetary[2]![2]).toBe(0);
  });
});

describe('computeRfm and runRfm', () => {
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;

  it('measure recency, frequency and monetary over the window from sales only', () => {
    const ws = tempWorkspace();
    try {
      const { db } = ws;
      db.prepare(`INSERT INTO customers (id, external_id) VALUES (1, 'A'), (2, 'B'), (3, 'C')`).run();
      const ins = db.prepare(
        `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?)`,
      );
      ins.run('a1', 1, day('2024-06-01') + 3600, 'completed', 10);
      ins.run('a2', 1, day('2024-06-20') + 80_000, 'completed', 15.5);
      ins.run('a3', 1, day('2024-06-25'), 'cancelled', 99);
      ins.run('a4', 1, day('2023-01-01'), 'completed', 1000); // outside a 365-day window
      ins.run('b1', 2, day('2024-06-30'), 'pending', 7);
      ins.run('b2', 2, day('2024-06-29'), 'returned', -7);
      ins.run('c1', 3, day('2024-07-02'), 'completed', 5); // after asOf
      const res = computeRfm(db, { asOf: '2024-06-30', windowDays: 365 });
      expect(res.asOf).toBe('2024-06-30');
      expect(res.customers.map((c) => [c.customerId, c.recencyDays, c.frequency, c.monetary])).toEqual([
        [1, 10, 2, 25.5],
        [2, 0, 1, 7],
      ]);
      // Default asOf: the day of the latest sale.
      expect(computeRfm(db).asOf).toBe('2024-07-02');
      expect(() => computeRfm(db, { asOf: '2024-02-31' })).toThrow(/asOf/);
    } finally {
      ws.cleanup();
    }
  });

  it('runRfm sums segments to the customers and revenue, and records the run', async () => {
    const ws = tempWorkspace();
    try {
      const { db } = ws;
      const rng = new Rng(42);
      const end = day('2024-12-31');
      const insC = db.prepare(`INSERT INTO customers (id, external_id) VALUES (?, ?)`);
      const insO = db.prepare(
        `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?)`,
      );
      let k = 0;
      let revenue = 0;
      db.transaction(() => {
        for (let i = 1; i <= 500; i++) {
          insC.run(i, `C${i}`);
          const orders = 1 + rng.poisson(rng.uniform(0, 6));
          for (let j = 0; j < orders; j++) {
            const amount = Math.round(rng.gamma(2, 0.04) * 100) / 100;
            revenue += amount;
            insO.run(`O${++k}`, i, end - rng.int(365) * DAY + rng.int(DAY), 'completed', amount);
          }
        }
      })();
      const ctx = testContext(ws.path);
      const res = await runRfm(db, { asOf: '2024-12-31', windowDays: 365 }, ctx);
      expect(res.customers).toBe(500);
      expect(res.segments.map((s) => s.segment)).toEqual(DEFAULT_SEGMENT_RULES.map((r) => r.segment));
      expect(res.segments.reduce((s, x) => s + x.customers, 0)).toBe(500);
      expect(res.segments.reduce((s, x) => s + x.revenue, 0)).toBeCloseTo(revenue, 6);
      expect(res.segments.filter((s) => s.customers > 0).length).toBeGreaterThanOrEqual(8);
      // The R×F heat-map grid holds every customer once.
      expect(res.grid.customers.flat().reduce((a, b) => a + b, 0)).toBe(500);
      const row = db.prepare(`SELECT * FROM analysis_runs WHERE id = ?`).get(res.runId) as Record<string, unknown>;
      expect(row.kind).toBe('rfm');
      expect(row.status).toBe('completed');
      expect(row.seed).toBeNull();
      expect(JSON.parse(row.params as string)).toEqual({ asOf: '2024-12-31', windowDays: 365 });
      expect(JSON.parse(row.result as string)).toEqual(res);
      await expect(runRfm(db, { windowDays: -3 }, ctx)).rejects.toThrow(UserError);
      await expect(runRfm(db, { asOf: 'yesterday' }, ctx)).rejects.toThrow(UserError);
    } finally {
      ws.cleanup();
    }
  });
});
