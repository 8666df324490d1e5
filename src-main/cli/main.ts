/**
 * `workbench`: the headless front door. Every command goes through the same
 * WorkbenchService as the app and browser mode, so a scheduled script sees
 * exactly what a merchant sees.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { ImportOptions, ImportResult, JobState } from '../core/api/contract.ts';
import { importKinds } from '../core/import/fields.ts';
import { ApiError, WorkbenchService } from '../core/api/service.ts';
import { progressPrinter } from './progress.ts';
import { printClv, printImportResult, printPreview, printRfm, printStats } from './format.ts';

/** A user mistake: message only, exit 2, no stack trace. */
class CliError extends Error {}

const userErrorNames = new Set(['CliError', 'UserError', 'ImportError', 'WorkspaceError']);

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parsePairs(pairs: string[] | undefined, what: string): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.lastIndexOf('=');
    if (eq <= 0) throw new CliError(`${what} expects "column=field", got "${pair}"`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** Runs a job to completion with a progress bar, turning cancellation by Ctrl-C into a clean rollback. */
async function runJob(service: WorkbenchService, jobId: string): Promise<JobState> {
  const bar = progressPrinter();
  const off = service.onEvent((e) => {
    if (e.job.id === jobId) bar.update(e.job);
  });
  const onSigint = () => {
    service.jobs.cancel(jobId);
  };
  process.on('SIGINT', onSigint);
  try {
    return await service.jobs.wait(jobId);
  } finally {
    process.off('SIGINT', onSigint);
    off();
    bar.end();
  }
}

function jobOutcome<T>(job: JobState): T {
  if (job.status === 'cancelled') throw new CliError('cancelled; nothing was changed');
  if (job.status === 'failed') throw new CliError(job.error ?? 'failed');
  return job.result as T;
}

async function withService<T>(db: string, mustExist: boolean, fn: (s: WorkbenchService) => Promise<T>): Promise<T> {
  if (mustExist && !existsSync(db))
    throw new CliError(`no workspace at ${db} (create one with \`workbench demo\` or \`workbench import\`)`);
  const service = new WorkbenchService(db);
  try {
    return await fn(service);
  } finally {
    await service.close();
  }
}

const print = (json: boolean, value: unknown, human: () => void) => {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else human();
};

export function buildProgram(): Command {
  const program = new Command('workbench')
    .description('Merchant Workbench: offline analytics for your shop exports')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('demo')
    .description('create a workspace filled with the generated sample shop')
    .requiredOption('--db <file>', 'workspace file to create')
    .option('--customers <n>', 'number of customers', (v) => Number.parseInt(v, 10), 20_000)
    .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 42)
    .option('--json', 'print JSON')
    .action(async (o: { db: string; customers: number; seed: number; json?: boolean }) => {
      if (!Number.isFinite(o.customers) || o.customers < 10) throw new CliError('--customers must be a number ≥ 10');
      await withService(o.db, false, async (s) => {
        const { jobId } = await s.invoke('sample.start', { customers: o.customers, seed: o.seed });
        const result = jobOutcome<Record<string, unknown>>(await runJob(s, jobId));
        const stats = await s.invoke('stats.get', {});
        print(!!o.json, result, () => printStats(stats));
      });
    });

  program
    .command('import')
    .description('import a shop export (CSV/TSV/XLSX/JSON/NDJSON) into a workspace')
    .argument('<file>', 'file to import')
    .requiredOption('--db <file>', 'workspace file (created when missing)')
    .addOption(new Option('--kind <kind>', 'what the file holds').default('auto').choices(['auto', ...importKinds]))
    .option('--columns <list>', "names for a headerless file's columns, comma-separated (`_` skips one)")
    .option('--map <col=field>', 'map a source column to a field (repeatable)', collect)
    .option(
      '--missing <field=policy>',
      'missing-value policy: drop|ffill|mean|median|mode|const:VALUE (repeatable)',
      collect,
    )
    .option('--encoding <name>', 'text encoding (default: detected)')
    .option('--delimiter <char>', 'field delimiter (default: sniffed)')
    .option('--sheet <name>', 'XLSX sheet (default: the first)')
    .addOption(new Option('--date-order <order>', 'slash dates month-first or day-first').choices(['mdy', 'dmy']))
    .option('--keep-pii', 'keep names, phones, emails and addresses instead of pseudonymizing them')
    .option('--preview', 'show what would be imported (encoding, mapping, first rows) without importing')
    .option('--json', 'print JSON')
    .action(async (file: string, o: Record<string, unknown>) => {
      if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
      const options: ImportOptions = {
        path: file,
        kind: o.kind as ImportOptions['kind'],
        columns: typeof o.columns === 'string' ? o.columns.split(',').map((c) => c.trim()) : undefined,
        map: parsePairs(o.map as string[] | undefined, '--map'),
        missing: parseMissing(o.missing as string[] | undefined),
        encoding: o.encoding as string | undefined,
        delimiter: o.delimiter as string | undefined,
        sheet: o.sheet as string | undefined,
        dateOrder: o.dateOrder as 'mdy' | 'dmy' | undefined,
        keepPii: !!o.keepPii,
      };
      await withService(o.db as string, false, async (s) => {
        if (o.preview) {
          const preview = await s.invoke('import.preview', options);
          print(!!o.json, preview, () => printPreview(preview));
          return;
        }
        const { jobId } = await s.invoke('import.start', options);
        const result = jobOutcome<ImportResult>(await runJob(s, jobId));
        print(!!o.json, result, () => printImportResult(file, result));
      });
    });

  program
    .command('stats')
    .description('totals of a workspace')
    .requiredOption('--db <file>', 'workspace file')
    .option('--json', 'print JSON')
    .action(async (o: { db: string; json?: boolean }) => {
      await withService(o.db, true, async (s) => {
        const stats = await s.invoke('stats.get', {});
        print(!!o.json, stats, () => printStats(stats));
      });
    });

  const analyze = program
    .command('analyze')
    .description('customer-value analyses; each run is stored in the workspace');
  analyze
    .command('clv')
    .description('customer lifetime value: BG/NBD purchase model and Gamma-Gamma spend model')
    .requiredOption('--db <file>', 'workspace file')
    .requiredOption('--calibration-end <date>', 'last day of the calibration period (YYYY-MM-DD)')
    .addOption(new Option('--time-unit <unit>', 'model time unit').choices(['day', 'week']).default('week'))
    .option('--horizon <months>', 'months of future value', (v) => Number.parseInt(v, 10))
    .option('--discount-rate <rate>', 'monthly discount rate', Number.parseFloat)
    .option('--json', 'print JSON')
    .action(
      async (o: {
        db: string;
        calibrationEnd: string;
        timeUnit: 'day' | 'week';
        horizon?: number;
        discountRate?: number;
        json?: boolean;
      }) => {
        await withService(o.db, true, async (s) => {
          const { jobId } = await s.invoke('analysis.clv', {
            calibrationEnd: o.calibrationEnd,
            timeUnit: o.timeUnit,
            horizon: o.horizon,
            discountRate: o.discountRate,
          });
          const result = jobOutcome<Record<string, unknown>>(await runJob(s, jobId));
          print(!!o.json, result, () => printClv(result));
        });
      },
    );
  analyze
    .command('rfm')
    .description('recency / frequency / monetary scores and named segments')
    .requiredOption('--db <file>', 'workspace file')
    .option('--as-of <date>', 'score as of this day (YYYY-MM-DD; default: the last order day)')
    .option('--window-days <n>', 'days of history to score', (v) => Number.parseInt(v, 10))
    .option('--json', 'print JSON')
    .action(async (o: { db: string; asOf?: string; windowDays?: number; json?: boolean }) => {
      await withService(o.db, true, async (s) => {
        const { jobId } = await s.invoke('analysis.rfm', { asOf: o.asOf, windowDays: o.windowDays });
        const result = jobOutcome<Record<string, unknown>>(await runJob(s, jobId));
        print(!!o.json, result, () => printRfm(result));
      });
    });

  const recommend = program.command('recommend').description('collaborative filtering');
  recommend
    .command('eval')
    .description("k-fold cross-validation of a rating model (the protocol of Surprise's cross_validate)")
    .requiredOption('--db <file>', 'workspace file')
    .addOption(
      new Option('--algo <name>', 'model').choices(['baseline', 'user-knn', 'item-knn', 'svd']).makeOptionMandatory(),
    )
    .addOption(new Option('--sim <name>', 'kNN similarity').choices(['cosine', 'msd', 'pearson', 'pearson-baseline']))
    .option('--k <n>', 'kNN neighbours', (v) => Number.parseInt(v, 10))
    .addOption(new Option('--centered <how>', 'kNN centring').choices(['none', 'mean', 'baseline']))
    .option('--folds <n>', 'folds', (v) => Number.parseInt(v, 10), 5)
    .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 0)
    .option('--json', 'print JSON')
    .action(
      async (o: {
        db: string;
        algo: 'svd';
        sim?: 'msd';
        k?: number;
        centered?: 'none';
        folds: number;
        seed: number;
        json?: boolean;
      }) => {
        await withService(o.db, true, async (s) => {
          const { jobId } = await s.invoke('recommend.eval', {
            algo: o.algo,
            sim: o.sim,
            k: o.k,
            centered: o.centered,
            folds: o.folds,
            seed: o.seed,
          });
          const cv = jobOutcome<CvSummary>(await runJob(s, jobId));
          const out = {
            algo: cv.algo,
            folds: cv.folds,
            rmse: cv.rmse.mean,
            mae: cv.mae.mean,
            fitSeconds: sum(cv.fitSeconds.folds),
            testSeconds: sum(cv.testSeconds.folds),
            seed: cv.seed,
            ratings: cv.ratings,
            rmseFolds: cv.rmse.folds,
            maeFolds: cv.mae.folds,
          };
          print(!!o.json, out, () =>
            console.log(
              `${out.algo}: RMSE ${out.rmse.toFixed(4)}, MAE ${out.mae.toFixed(4)} over ${out.folds} folds of ${out.ratings} ratings ` +
                `(fit ${out.fitSeconds.toFixed(2)} s, test ${out.testSeconds.toFixed(2)} s)`,
            ),
          );
        });
      },
    );

  program
    .command('serve')
    .description('serve the workbench to a browser on 127.0.0.1 (prints a tokenized URL)')
    .requiredOption('--db <file>', 'workspace file')
    .option('--port <n>', 'port (default: a free one)', (v) => Number.parseInt(v, 10), 0)
    .action(async (o: { db: string; port: number }) => {
      const { serveCommand } = await import('./serve.ts');
      await serveCommand({ db: o.db, port: o.port });
    });

  return program;
}

interface CvSummary {
  algo: string;
  folds: number;
  seed: number;
  ratings: number;
  rmse: { mean: number; folds: number[] };
  mae: { mean: number; folds: number[] };
  fitSeconds: { folds: number[] };
  testSeconds: { folds: number[] };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function parseMissing(pairs: string[] | undefined): ImportOptions['missing'] {
  const raw = parsePairs(pairs, '--missing');
  if (!raw) return undefined;
  const out: NonNullable<ImportOptions['missing']> = {};
  for (const [field, policy] of Object.entries(raw)) {
    if (policy.startsWith('const:')) out[field] = { constant: policy.slice(6) };
    else if (['drop', 'ffill', 'mean', 'median', 'mode', 'keep'].includes(policy)) {
      out[field] = policy as 'drop';
    } else
      throw new CliError(`--missing ${field}: unknown policy "${policy}" (drop|ffill|mean|median|mode|const:VALUE)`);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const e = err as Error;
    if (err instanceof CliError || userErrorNames.has(e.name) || (err instanceof ApiError && err.code !== 'failed')) {
      console.error(`workbench: ${e.message}`);
      return 2;
    }
    console.error(`workbench: unexpected error: ${e.message}`);
    if (process.env.WORKBENCH_DEBUG) console.error(e.stack);
    else console.error('(set WORKBENCH_DEBUG=1 for details)');
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
