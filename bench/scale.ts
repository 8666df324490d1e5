/**
 * Every analysis on one big workspace, each through the real CLI in its own process, with wall time and peak RSS
 * (the process's, job worker threads included) — issue 3's "everything on a 1,000,000-customer sample shop finishes,
 * with memory bounded" and issue 4's implicit recommendations at that scale. Usage:
 *   npm run bench -- scale [shop.db] [--customers N] [--only step,step] [--timeout-min M]
 * Without a file: generates a sample shop of N customers (default 1,000,000; about 11 minutes on 2 quiet cores)
 * in a temporary folder and deletes it afterwards. With a file: uses it as it is (runs are added to it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const customers = Number(flag('--customers') ?? 1_000_000);
const only = flag('--only')?.split(',');
const timeoutMs = Number(flag('--timeout-min') ?? 30) * 60_000;
const given = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const cli = join(import.meta.dirname, '..', 'bin', 'workbench.js');
const gnuTime = existsSync('/usr/bin/time');

/** The steps, in the order a merchant's first session would run them. */
const steps: { name: string; argv: string[] }[] = [
  { name: 'stats', argv: ['stats'] },
  { name: 'rfm', argv: ['analyze', 'rfm'] },
  { name: 'clv', argv: ['analyze', 'clv', '--calibration-end', '@calibrationEnd'] },
  { name: 'kmeans', argv: ['analyze', 'cluster', '--k', '6'] },
  { name: 'kmeans-choose-k', argv: ['analyze', 'cluster', '--k-range', '3-8'] },
  { name: 'dbscan', argv: ['analyze', 'cluster', '--algorithm', 'dbscan'] },
  { name: 'churn', argv: ['analyze', 'churn', '--as-of', '@asOf'] },
  { name: 'spend', argv: ['analyze', 'regress', '--as-of', '@asOf'] },
  { name: 'classify', argv: ['analyze', 'classify'] },
  { name: 'next-action', argv: ['analyze', 'next-action'] },
  { name: 'demand', argv: ['analyze', 'demand'] },
  { name: 'campaign', argv: ['analyze', 'campaign'] },
  { name: 'implicit-eval item-knn', argv: ['recommend', 'eval', '--implicit'] },
  { name: 'implicit-eval als', argv: ['recommend', 'eval', '--implicit', '--algo', 'als'] },
  { name: 'recommend segment', argv: ['recommend', '--segment', 'At Risk'] },
  { name: 'recommend also-bought', argv: ['recommend', '--also-bought', 'AP-0001'] },
  { name: 'report html', argv: ['report', '--out', '@dir/report.html'] },
];

interface Outcome {
  name: string;
  ok: boolean;
  seconds: number;
  rssMb: number | null;
  note: string;
  stdout: string;
}

/** Dates the models need, from the shop's last sale: 90 days before it (the churn/spend horizon) and 180 for CLV. */
const dates: Record<string, string> = {};

function run(name: string, argv: string[], dir: string): Outcome {
  const full = [
    cli,
    ...argv.map((a) => a.replace('@dir', dir).replace(/^@(\w+)$/, (_, k: string) => dates[k] ?? a)),
    '--db',
    db,
    '--json',
  ];
  const t0 = performance.now();
  // coreutils' timeout signals its whole process group: a step that runs too long ends with its CLI process, where
  // spawnSync's own timeout would kill /usr/bin/time alone and leave the CLI running.
  const timed = gnuTime ? ['/usr/bin/time', '-f', 'maxrss %M', process.execPath] : [process.execPath];
  const r = spawnSync('timeout', ['-k', '10', String(timeoutMs / 1000), ...timed, ...full], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  const rss = /maxrss (\d+)\s*$/.exec(r.stderr ?? '');
  const ok = r.status === 0;
  const err = (r.stderr ?? '').replace(/maxrss \d+\s*$/, '').trim();
  const note = ok
    ? ''
    : r.status === 124 || r.status === 137
      ? `timed out after ${timeoutMs / 60_000} min`
      : err.split('\n').slice(-3).join(' ').slice(0, 160);
  return { name, ok, seconds, rssMb: rss ? Number(rss[1]) / 1024 : null, note, stdout: r.stdout ?? '' };
}

const dir = mkdtempSync(join(tmpdir(), 'wb-bench-scale-'));
const db = given ?? join(dir, `shop-${customers}.db`);
try {
  if (!given) {
    console.log(`generating a ${customers.toLocaleString('en-US')}-customer sample shop in ${dir} …`);
    const g = run('generate', ['demo', '--customers', String(customers)], dir);
    if (!g.ok) throw new Error(`generation failed: ${g.note}`);
    console.log(`generated in ${g.seconds.toFixed(0)} s, peak RSS ${g.rssMb?.toFixed(0) ?? '?'} MB`);
  } else if (!existsSync(given)) {
    throw new Error(`no workspace at ${given}`);
  }
  console.log(`workspace ${db} (${(statSync(db).size / 1e9).toFixed(2)} GB); load average ${loadavg()[0]!.toFixed(1)}`);
  console.log('step                        status     seconds  peak RSS MB');
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    if (only && !only.includes(step.name)) continue;
    const o = run(step.name, step.argv, dir);
    outcomes.push(o);
    if (step.name === 'stats' && o.ok) {
      const last = (JSON.parse(o.stdout) as { lastOrderAt: number | string }).lastOrderAt;
      const lastMs = typeof last === 'number' ? last * 1000 : Date.parse(last);
      const day = (daysBefore: number) => new Date(lastMs - daysBefore * 86_400_000).toISOString().slice(0, 10);
      dates.asOf = day(90);
      dates.calibrationEnd = day(180);
    }
    console.log(
      `${o.name.padEnd(27)} ${(o.ok ? 'ok' : 'FAILED').padEnd(8)} ${o.seconds.toFixed(1).padStart(9)} ${(o.rssMb?.toFixed(0) ?? '?').padStart(12)}  ${o.note}`,
    );
  }
  const worst = Math.max(...outcomes.map((o) => o.rssMb ?? 0));
  const failed = outcomes.filter((o) => !o.ok).length;
  console.log(
    `\n${outcomes.length - failed} of ${outcomes.length} steps finished; highest peak RSS ${worst.toFixed(0)} MB; ` +
      `total ${outcomes.reduce((s, o) => s + o.seconds, 0).toFixed(0)} s; load average now ${loadavg()[0]!.toFixed(1)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
