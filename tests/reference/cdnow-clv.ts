/**
 * Reference checks of the CLV engine on the CDNOW cohort (Fader, Hardie & Lee
 * 2005, "Counting Your Customers the Easy Way: An Alternative to the
 * Pareto/NBD Model", Marketing Science 24(2); data and summaries as shipped by
 * the lifetimes library). Needs ../shared/data; never part of `npm test`.
 *
 * Published figures checked to their printed precision:
 * - BG/NBD, weeks, calibration to 1997-09-30: r = 0.243, α = 4.414, a = 0.793,
 *   b = 2.426, LL = −9582.4 (FHL 2005, section 4).
 * - Gamma-Gamma on the 946 repeat buyers: p = 6.25, q = 3.74, v = 15.44
 *   (Fader, Hardie & Lee 2005b; Fader & Hardie's Gamma-Gamma note; lifetimes docs).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregateBgnbd, fitBgnbd } from '../../src-main/core/analytics/clv/bgnbd.ts';
import { fitGammaGamma } from '../../src-main/core/analytics/clv/gamma-gamma.ts';
import { customerSummary, type CustomerSummary } from '../../src-main/core/analytics/clv/summary.ts';
import { openWorkspace, type Db } from '../../src-main/core/db/workspace.ts';

export interface ReferenceCheck {
  name: string;
  ok: boolean;
  detail: string;
}

const root = join(import.meta.dirname, '..', '..');
const CALIBRATION_END = '1997-09-30';

function workbench(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'workbench.js'), ...args, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`workbench ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Rounds to `digits` decimals, as a paper prints a figure. */
const printed = (v: number, digits: number) => Number(v.toFixed(digits));

/** The summary rows keyed by the numeric master customer id (the workspace keeps CDNOW's zero-padded ids). */
function byMasterId(db: Db, s: CustomerSummary): Map<number, number> {
  const ext = new Map(
    (db.prepare('SELECT id, external_id FROM customers').raw().all() as [number, string][]).map(([id, e]) => [
      id,
      Number(e),
    ]),
  );
  const out = new Map<number, number>();
  for (let i = 0; i < s.n; i++) out.set(ext.get(s.customer[i]!)!, i);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function cdnowClvChecks(sharedDataDir: string, workDir: string): Promise<ReferenceCheck[]> {
  const checks: ReferenceCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const cdnow = join(sharedDataDir, 'cdnow');

  // 1. Import the cohort through the CLI, as a user would.
  const dbPath = join(workDir, 'cdnow-sample.db');
  const imp = workbench([
    'import',
    join(cdnow, 'CDNOW_sample.txt'),
    '--db',
    dbPath,
    '--kind',
    'orders',
    '--columns',
    'customer,_,date,quantity,amount',
  ]);
  const tables = imp.tables as Record<string, number>;
  add(
    'CDNOW sample imports through the CLI',
    imp.rowsImported === 6919 && tables.customers === 2357,
    `${String(imp.rowsImported)} orders, ${tables.customers} customers (expected 6,919 and 2,357)`,
  );

  const db = openWorkspace(dbPath, { readonly: true });
  try {
    const s = customerSummary(db, CALIBRATION_END, 'week');
    const index = byMasterId(db, s);
    // The published summaries number customers by the cohort id, the sample's second column (the
    // import skips it): map cohort id → master id from the file itself.
    const masterOf = new Map<number, number>();
    for (const line of readFileSync(join(cdnow, 'CDNOW_sample.txt'), 'utf8').split('\n')) {
      const [master, cohort] = line.trim().split(/\s+/).map(Number) as [number, number];
      if (Number.isFinite(cohort)) masterOf.set(cohort, master);
    }

    // 2. Summary = lifetimes' cdnow_customers_summary.csv, per customer.
    const lines = readFileSync(join(cdnow, 'cdnow_customers_summary.csv'), 'utf8').trim().split('\n').slice(1);
    let bad = 0;
    let firstBad = '';
    let maxDiff = 0;
    for (const line of lines) {
      const [id, f, rec, T] = line.split(',').map(Number) as [number, number, number, number];
      const i = index.get(masterOf.get(id) ?? -1);
      const diff = i === undefined ? Infinity : Math.max(Math.abs(s.recency[i]! - rec), Math.abs(s.T[i]! - T));
      if (i === undefined || s.frequency[i] !== f || !(diff <= 1e-2)) {
        bad++;
        firstBad ||= `ID ${id}: expected ${f}, ${rec}, ${T}`;
      } else maxDiff = Math.max(maxDiff, diff);
    }
    add(
      'summary equals cdnow_customers_summary.csv (frequency exact, recency and T to 1e-2 weeks)',
      bad === 0 && lines.length === s.n,
      `${lines.length} rows, ${s.n} customers, ${bad} mismatches${firstBad ? ` (first: ${firstBad})` : ''}; max |Δ| ${maxDiff.toFixed(4)} weeks`,
    );

    // 2b. Mean repeat spend = zbar in the summary with transactions (printed to cents).
    const zLines = readFileSync(join(cdnow, 'cdnow_customers_summary_with_transactions.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    let zBad = 0;
    for (const line of zLines) {
      const [id, , , , zbar] = line.split(',').map(Number) as [number, number, number, number, number];
      const i = index.get(masterOf.get(id) ?? -1);
      if (i === undefined || !(Math.abs(s.monetary[i]! - zbar) <= 0.005 + 1e-9)) zBad++;
    }
    add(
      'monetary equals zbar of cdnow_customers_summary_with_transactions.csv to the cent',
      zBad === 0,
      `${zBad} mismatches`,
    );

    // 3. BG/NBD to the paper's printed precision.
    const t0 = performance.now();
    const bg = fitBgnbd(aggregateBgnbd(s.frequency, s.recency, s.T), { standardErrors: false });
    const fitMs = performance.now() - t0;
    const { r, alpha, a, b } = bg.params;
    const got = [printed(r, 3), printed(alpha, 3), printed(a, 3), printed(b, 3), printed(bg.logLikelihood, 1)];
    const want = [0.243, 4.414, 0.793, 2.426, -9582.4];
    add(
      'BG/NBD on the cohort: r, α, a, b, LL as published (FHL 2005)',
      got.every((v, k) => v === want[k]),
      `r=${r.toFixed(4)} α=${alpha.toFixed(4)} a=${a.toFixed(4)} b=${b.toFixed(4)} LL=${bg.logLikelihood.toFixed(3)} ` +
        `(published 0.243, 4.414, 0.793, 2.426, −9582.4); ${bg.iterations} iterations, ${bg.rows} distinct rows, ${fitMs.toFixed(1)} ms`,
    );

    // 4. Gamma-Gamma on the repeat buyers.
    const gg = fitGammaGamma(s.frequency, s.monetary);
    const { p, q, v } = gg.params;
    add(
      'Gamma-Gamma on the 946 repeat buyers: p, q, v as published',
      gg.customers === 946 && printed(p, 2) === 6.25 && printed(q, 2) === 3.74 && printed(v, 2) === 15.44,
      `${gg.customers} repeat buyers; p=${p.toFixed(4)} q=${q.toFixed(4)} v=${v.toFixed(4)} (published 6.25, 3.74, 15.44)`,
    );
  } finally {
    db.close();
  }

  // 5. All 23,570 master customers: the fit converges. Its speed is a benchmark (npm run bench -- clv), not a check.
  const masterDb = join(workDir, 'cdnow-master.db');
  workbench(['import', join(cdnow, 'CDNOW_master.txt'), '--db', masterDb]);
  const mdb = openWorkspace(masterDb, { readonly: true });
  try {
    const ts = performance.now();
    const s = customerSummary(mdb, CALIBRATION_END, 'week');
    const summaryMs = performance.now() - ts;
    const times: number[] = [];
    let fit = fitBgnbd(aggregateBgnbd(s.frequency, s.recency, s.T), { standardErrors: false });
    for (let k = 0; k < 7; k++) {
      const t = performance.now();
      fit = fitBgnbd(aggregateBgnbd(s.frequency, s.recency, s.T), { standardErrors: false });
      times.push(performance.now() - t);
    }
    const ms = median(times);
    add(
      'BG/NBD fit on all 23,570 CDNOW master customers converges',
      s.n === 23_570 && fit.converged && Number.isFinite(fit.logLikelihood),
      `${s.n} customers, ${fit.rows} distinct rows, median fit ${ms.toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}), ` +
        `summary from the workspace ${summaryMs.toFixed(0)} ms; r=${fit.params.r.toFixed(4)} α=${fit.params.alpha.toFixed(4)} ` +
        `a=${fit.params.a.toFixed(4)} b=${fit.params.b.toFixed(4)} LL=${fit.logLikelihood.toFixed(2)}`,
    );
  } finally {
    mdb.close();
  }
  return checks;
}
