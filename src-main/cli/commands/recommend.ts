/** `workbench recommend …`: recommendation lists and the offline evaluation of recommendation models. */
import { Option, type Command } from 'commander';
import { CliError, jobOutcome, print, runJob, withService } from '../shared.ts';

const int = (v: string) => Number.parseInt(v, 10);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

interface CvSummary {
  /** The analysis run the evaluation was recorded as. */
  runId: number;
  algo: string;
  folds: number;
  seed: number;
  ratings: number;
  rmse: { mean: number; folds: number[] };
  mae: { mean: number; folds: number[] };
  fitSeconds: { folds: number[] };
  testSeconds: { folds: number[] };
  wallSeconds: number;
  threads: number;
}

interface RecommendList {
  coldStart: boolean;
  /** The model came from the workspace's stored model file (no refit). */
  fromCache: boolean;
  items: { sku: string; title: string | null; score: number; reason: string }[];
}

export function registerRecommend(program: Command): void {
  const recommend = program
    .command('recommend')
    .description('top-N for a customer, "also bought" for a product (implicit feedback from orders)')
    // `recommend --db X` and `recommend eval --db X` each own their options.
    .enablePositionalOptions()
    .option('--db <file>', 'workspace file')
    .option('--customer <id>', "the customer's external id")
    .option('--also-bought <sku>', 'customers who bought this product also bought')
    .option('--segment <name>', 'what to promote to an RFM segment, e.g. "At Risk"')
    .option('--n <n>', 'list length', int, 10)
    .addOption(new Option('--algo <name>', 'model fitted on the orders').choices(['item-knn', 'als']))
    .option('--json', 'print JSON')
    .action(
      async (o: {
        db?: string;
        customer?: string;
        alsoBought?: string;
        segment?: string;
        n: number;
        algo?: 'item-knn' | 'als';
        json?: boolean;
      }) => {
        if (!o.db) throw new CliError('--db is required');
        if ([o.customer, o.alsoBought, o.segment].filter((v) => v !== undefined).length !== 1) {
          throw new CliError(
            'give one of --customer ID, --also-bought SKU or --segment NAME (or use `recommend eval`)',
          );
        }
        await withService(o.db, true, async (s) => {
          const { jobId } = await s.invoke('recommend.for', {
            customer: o.customer,
            alsoBought: o.alsoBought,
            segment: o.segment,
            n: o.n,
            algo: o.algo,
          });
          const r = jobOutcome<RecommendList>(await runJob(s, jobId));
          print(!!o.json, r, () => {
            if (r.coldStart) console.log('(no purchase history: most popular products)');
            r.items.forEach((it, i) =>
              console.log(
                `${String(i + 1).padStart(3)}. ${it.sku.padEnd(14)} ${(it.title ?? '').slice(0, 40).padEnd(40)} ${it.reason}`,
              ),
            );
          });
        });
      },
    );

  recommend
    .command('eval')
    .description(
      "offline evaluation: k-fold CV of a rating model (Surprise's protocol), or --implicit top-N vs popularity",
    )
    .requiredOption('--db <file>', 'workspace file')
    .addOption(
      new Option('--algo <name>', 'rating model; with --implicit: item-knn (default) or als').choices([
        'baseline',
        'user-knn',
        'item-knn',
        'svd',
        'svdpp',
        'blend',
        'als',
      ]),
    )
    .addOption(new Option('--sim <name>', 'kNN similarity').choices(['cosine', 'msd', 'pearson', 'pearson-baseline']))
    .option('--k <n>', 'kNN neighbours (rating models) or list length (--implicit)', int)
    .addOption(new Option('--centered <how>', 'kNN centring').choices(['none', 'mean', 'baseline']))
    .option('--folds <n>', 'folds', int, 5)
    .option('--implicit', 'evaluate top-N recommendations from purchases against popularity')
    .addOption(
      new Option('--split <how>', 'implicit split').choices(['leave-last-out', 'time']).default('leave-last-out'),
    )
    .option('--cutoff <date>', 'time split: purchases from this day (YYYY-MM-DD) are the test set')
    .option('--neighbours <n>', 'implicit item-kNN neighbours kept per item', int)
    .option('--factors <n>', 'implicit ALS latent factors (default 64)', int)
    .option('--regularization <x>', 'implicit ALS λ (default 200)', Number.parseFloat)
    .option('--alpha <x>', 'implicit ALS confidence α: c = 1 + α·purchases (default 40)', Number.parseFloat)
    .option('--iterations <n>', 'implicit ALS iterations (default 15)', int)
    .option('--seed <n>', 'random seed', int, 0)
    .option('--json', 'print JSON')
    .action(async (o: Record<string, unknown>) => {
      await withService(o.db as string, true, async (s) => {
        const alsOnly = ['factors', 'regularization', 'alpha', 'iterations'].filter((k) => o[k] !== undefined);
        if (o.implicit) {
          if (o.algo !== undefined && o.algo !== 'item-knn' && o.algo !== 'als') {
            throw new CliError('with --implicit, --algo is item-knn or als');
          }
          if (o.algo !== 'als' && alsOnly.length > 0) throw new CliError(`--${alsOnly[0]} needs --algo als`);
          const { jobId } = await s.invoke('recommend.implicitEval', {
            split: o.split as 'leave-last-out' | 'time',
            cutoff: o.cutoff as string | undefined,
            k: (o.k as number | undefined) ?? 10,
            neighbours: o.neighbours as number | undefined,
            seed: o.seed as number,
            algo: o.algo as 'item-knn' | 'als' | undefined,
            factors: o.factors as number | undefined,
            regularization: o.regularization as number | undefined,
            alpha: o.alpha as number | undefined,
            iterations: o.iterations as number | undefined,
          });
          const r = jobOutcome<Record<string, Record<string, number>>>(await runJob(s, jobId));
          print(!!o.json, r, () => {
            for (const who of ['model', 'popularity'] as const) {
              const m = r[who]!;
              console.log(
                `${who.padEnd(10)} precision ${m.precision!.toFixed(4)}  recall ${m.recall!.toFixed(4)}  ndcg ${m.ndcg!.toFixed(4)}  ` +
                  `map ${m.map!.toFixed(4)}  hit rate ${m.hitRate!.toFixed(4)}  coverage ${m.coverage!.toFixed(4)}`,
              );
            }
          });
          return;
        }
        if (!o.algo) throw new CliError('--algo is required (or --implicit)');
        if (o.algo === 'als' || alsOnly.length > 0) throw new CliError('ALS is an implicit model: add --implicit');
        const { jobId } = await s.invoke('recommend.eval', {
          algo: o.algo as 'svd',
          sim: o.sim as 'msd' | undefined,
          k: o.k as number | undefined,
          centered: o.centered as 'none' | undefined,
          folds: o.folds as number,
          seed: o.seed as number,
        });
        const cv = jobOutcome<CvSummary>(await runJob(s, jobId));
        const out = {
          algo: cv.algo,
          folds: cv.folds,
          rmse: cv.rmse.mean,
          mae: cv.mae.mean,
          fitSeconds: sum(cv.fitSeconds.folds),
          testSeconds: sum(cv.testSeconds.folds),
          // With folds on two threads the wall time is about half the fit and test times summed.
          wallSeconds: cv.wallSeconds,
          threads: cv.threads,
          seed: cv.seed,
          ratings: cv.ratings,
          runId: cv.runId,
          rmseFolds: cv.rmse.folds,
          maeFolds: cv.mae.folds,
        };
        print(!!o.json, out, () =>
          console.log(
            `${out.algo}: RMSE ${out.rmse.toFixed(4)}, MAE ${out.mae.toFixed(4)} over ${out.folds} folds of ${out.ratings} ratings ` +
              `(fit ${out.fitSeconds.toFixed(2)} s, test ${out.testSeconds.toFixed(2)} s; ${out.wallSeconds.toFixed(2)} s on ` +
              `${out.threads} thread${out.threads === 1 ? '' : 's'})`,
          ),
        );
      });
    });
}
