import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A numeric CSV from tests/fixtures/ml: feature columns, then an integer label column. */
export function loadMlFixture(name: string): { X: Float64Array; y: Int32Array; n: number; d: number; names: string[] } {
  const lines = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ml', name), 'utf8')
    .trim()
    .split('\n');
  const names = lines[0]!.split(',').slice(0, -1);
  const d = names.length;
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  const n = rows.length;
  const X = new Float64Array(n * d);
  const y = new Int32Array(n);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) X[i * d + j] = r[j]!;
    y[i] = r[d]!;
  });
  return { X, y, n, d, names };
}
