/**
 * Model timings: OLS, ridge, lasso, logistic regression and a depth-6 tree on
 * n × 10 seeded data (default n = 200,000), then the churn job end to end on
 * a generated shop of N customers (default 20,000), and the spend regression. Usage:
 *   node bench/models.ts [n] [N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChurn } from '../src-main/core/analytics/models/job.ts';
import { runRegress } from '../src-main/core/analytics/models/regress-job.ts';
import { DAY, dayOf } from '../src-main/core/analytics/models/churn.ts';
import { lasso, ols, ridge } from '../src-main/core/analytics/models/linear.ts';
import { fitLogistic } from '../src-main/core/analytics/models/logistic.ts';
import { fitTree } from '../src-main/core/analytics/models/tree.ts';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { Rng } from '../src-main/core/sample/rng.ts';

const n = Number(process.argv[2] ?? 200_000);
const customers = Number(process.argv[3] ?? 20_000);
const d = 10;

const rng = new Rng(7, 1);
const X = new Float64Array(n * d);
const y = new Float64Array(n);
const yb = new Float64Array(n);
for (let i = 0; i < n; i++) {
  let z = 0.2;
  for (let j = 0; j < d; j++) {
    X[i * d + j] = rng.normal();
    z += ((j % 3) - 1) * 0.5 * X[i * d + j]!;
  }
  y[i] = z + rng.normal();
  yb[i] = rng.float() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
}

const time = (label: string, f: () => string) => {
  const t0 = performance.now();
  const info = f();
  console.log(`${label.padEnd(10)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${info}`);
};
console.log(`n = ${n}, d = ${d}`);
time('ols', () => `R² ${ols(X, n, d, y).r2.toFixed(4)}`);
time('ridge', () => `b0 ${ridge(X, n, d, y, 1).intercept.toFixed(4)}`);
time('lasso', () => {
  const r = lasso(X, n, d, y, 0.01);
  return `${r.iterations} sweeps`;
});
time('logistic', () => {
  const r = fitLogistic(X, n, d, yb);
  return `${r.iterations} iterations, log-loss ${r.logLoss.toFixed(4)}`;
});
time('tree', () => `${fitTree(X, n, d, yb, { maxDepth: 6, minSamplesLeaf: 50 }).leaves} leaves`);

// A shop like the tests' churn fixture, scaled up.
const dir = mkdtempSync(join(tmpdir(), 'wb-bench-'));
try {
  const db = openWorkspace(join(dir, 'shop.db'));
  const start = dayOf('2022-01-01');
  const end = dayOf('2024-12-31') + 1;
  const insC = db.prepare(`INSERT INTO customers (id, external_id) VALUES (?, ?)`);
  const insO = db.prepare(
    `INSERT INTO orders (external_id, customer_id, placed_at, status, amount, discount) VALUES (?, ?, ?, 'completed', ?, ?)`,
  );
  let k = 0;
  const r = new Rng(8, 4);
  db.transaction(() => {
    for (let c = 1; c <= customers; c++) {
      insC.run(c, `C${c}`);
      const first = start + r.int(365);
      const stopper = r.chance(0.45);
      const stop = stopper ? first + 60 + r.int(end - first - 60) : end;
      const gap = 15 + r.exponential(1 / 45);
      for (let t = first; t < stop; t += Math.max(1, r.exponential(1 / gap))) {
        insO.run(`O${++k}`, c, Math.floor(t * DAY), 30, r.chance(stopper ? 0.6 : 0.15) ? 3 : 0);
      }
    }
  })();
  console.log(`shop: ${customers} customers, ${k} orders`);
  const ctx = { dbPath: '', progress() {}, cancelled: false, throwIfCancelled() {} };
  for (const model of ['logistic', 'tree'] as const) {
    const t0 = performance.now();
    const res = await runChurn(db, { asOf: '2024-12-31', model, seed: 1 }, ctx);
    console.log(
      `churn ${model.padEnd(8)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms  ` +
        `AUC ${res.metrics.auc.toFixed(3)} (recency-only ${res.baseline.auc.toFixed(3)})`,
    );
  }
  const t0 = performance.now();
  const reg = await runRegress(db, { asOf: '2024-12-31', model: 'ridge', seed: 1 }, ctx);
  console.log(
    `regress ridge  ${(performance.now() - t0).toFixed(0).padStart(6)} ms  ` +
      `R² ${reg.metrics.r2.toFixed(3)} (last horizon ${reg.baseline.r2.toFixed(3)})`,
  );
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
