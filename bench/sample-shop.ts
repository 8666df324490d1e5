/**
 * Sample shop generation benchmark: `node bench/sample-shop.ts [customers]`.
 * Generates into a temporary workspace file and prints time, row counts,
 * file size and peak RSS (sampled, plus the process's max RSS).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';

const customers = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), 'sample-shop-bench-'));
const file = join(dir, 'workspace.db');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage.rss()));
const started = performance.now();
let lastReport = started;
try {
  const db = openWorkspace(file);
  const summary = generateSampleShop(db, {
    customers,
    onProgress: (done, total) => {
      sample();
      const now = performance.now();
      if (now - lastReport > 10_000) {
        lastReport = now;
        console.log(`  ${done}/${total} (${((now - started) / 1000).toFixed(0)} s, rss ${mb(peak)})`);
      }
    },
  });
  const generated = performance.now();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const seconds = (generated - started) / 1000;
  sample();
  console.log(`customers ${customers}: generated in ${seconds.toFixed(1)} s`);
  console.log(`  rows: ${JSON.stringify(summary.counts)}`);
  const rows = summary.counts.orders + summary.counts.orderItems + summary.counts.events + summary.counts.customers;
  console.log(`  ${Math.round(rows / seconds).toLocaleString('en')} rows/s (orders + items + events + customers)`);
  console.log(
    `  file ${mb(statSync(file).size)} after checkpoint (${((performance.now() - generated) / 1000).toFixed(1)} s)`,
  );
  console.log(`  peak RSS sampled ${mb(peak)}, max RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
