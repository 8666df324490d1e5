// The Overview's trend and period comparison on a hand-made shop whose answers can be counted by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceTrend } from '../src-main/core/stats/trend.ts';
import { tempWorkspace } from './helpers/workspace.ts';

let ws: ReturnType<typeof tempWorkspace>;
const t = (iso: string) => Date.parse(`${iso}Z`) / 1000;

beforeAll(() => {
  ws = tempWorkspace();
  const customer = ws.db.prepare('INSERT INTO customers (external_id) VALUES (?)');
  for (const id of ['A', 'B', 'C']) customer.run(id);
  const order = ws.db.prepare(
    'INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?)',
  );
  // A: Jan, Feb, Mar (repeat); B: Feb and a cancelled Mar order (one sale); C: Mar, plus a returned order.
  order.run('o1', 1, t('2026-01-10T10:00:00'), 'completed', 100);
  order.run('o2', 1, t('2026-02-05T10:00:00'), 'completed', 50);
  order.run('o3', 2, t('2026-02-20T10:00:00'), 'pending', 30);
  order.run('o4', 2, t('2026-03-01T10:00:00'), 'cancelled', 999);
  order.run('o5', 1, t('2026-03-25T10:00:00'), 'completed', 70);
  order.run('o6', 3, t('2026-03-30T23:59:00'), 'completed', 20);
  order.run('o7', 3, t('2026-03-02T10:00:00'), 'returned', 500);
});
afterAll(() => ws.cleanup());

describe('workspace trend', () => {
  it('counts sales, active and new customers per month, leaving out cancelled and returned orders', () => {
    const trend = workspaceTrend(ws.db);
    expect(trend.points).toEqual([
      { period: '2026-01', orders: 1, revenue: 100, activeCustomers: 1, newCustomers: 1 },
      { period: '2026-02', orders: 2, revenue: 80, activeCustomers: 2, newCustomers: 1 },
      { period: '2026-03', orders: 2, revenue: 90, activeCustomers: 2, newCustomers: 1 },
    ]);
    // A bought three times, B and C once each.
    expect(trend.repeatRate).toBeCloseTo(1 / 3, 12);
  });

  it('compares the last window to the sale day with the window before', () => {
    const { comparison } = workspaceTrend(ws.db, { compareDays: 30 });
    // Last sale 2026-03-30: current = 03-01..03-30, previous = 01-30..02-28.
    expect(comparison?.current).toEqual({
      from: '2026-03-01',
      to: '2026-03-30',
      orders: 2,
      revenue: 90,
      activeCustomers: 2,
      averageOrderValue: 45,
    });
    expect(comparison?.previous).toMatchObject({ from: '2026-01-30', to: '2026-02-28', orders: 2, revenue: 80 });
  });

  it('an empty shop has no points, no rate and nothing to compare', () => {
    const empty = tempWorkspace();
    try {
      expect(workspaceTrend(empty.db)).toEqual({ unit: 'month', points: [], repeatRate: null, comparison: null });
    } finally {
      empty.cleanup();
    }
  });
});
