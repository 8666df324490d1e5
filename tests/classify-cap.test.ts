/** Big shops: classify fits and evaluates on stratified seeded samples past a row limit (classify-job.ts capRows). */
import { describe, expect, it } from 'vitest';
import { capRows } from '../src-main/core/analytics/models/classify-job.ts';
import type { ClassifyMatrix } from '../src-main/core/analytics/models/classify-data.ts';

describe('row caps for big shops', () => {
  const n = 10_000;
  // Three classes, 70 / 20 / 10 %, rows numbered 5, 10, 15 … into a matrix the cap never reads.
  const y = Int32Array.from({ length: n }, (_, i) => (i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2));
  const rows = Int32Array.from({ length: n }, (_, i) => 5 * i);
  const labelled = { m: {} as ClassifyMatrix, rows, y };

  it('keeps everything up to the limit', () => {
    expect(capRows(labelled, 3, n, 0)).toBe(labelled);
  });

  it('samples about the limit, in row order, with each row keeping its class and the class shares kept', () => {
    const capped = capRows(labelled, 3, 2_000, 7);
    expect(Math.abs(capped.rows.length - 2_000)).toBeLessThanOrEqual(3);
    for (let i = 1; i < capped.rows.length; i++) expect(capped.rows[i]!).toBeGreaterThan(capped.rows[i - 1]!);
    for (let i = 0; i < capped.rows.length; i++) expect(capped.y[i]).toBe(y[capped.rows[i]! / 5]);
    const share = (c: number) => capped.y.filter((v) => v === c).length / capped.y.length;
    expect(share(0)).toBeCloseTo(0.7, 2);
    expect(share(1)).toBeCloseTo(0.2, 2);
    expect(share(2)).toBeCloseTo(0.1, 2);
    // Seeded: the same sample again, another with another seed.
    expect(capRows(labelled, 3, 2_000, 7).rows).toEqual(capped.rows);
    expect(capRows(labelled, 3, 2_000, 8).rows).not.toEqual(capped.rows);
  });
});
