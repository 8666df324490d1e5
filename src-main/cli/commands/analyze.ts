/** `workbench analyze …`: customer-value analyses, each stored as an analysis run in the workspace. */
import { Option, type Command } from 'commander';
import { printCampaign, printClv, printCluster, printModelRun, printRfm } from '../format.ts';
import { CliError, runJobCommand } from '../shared.ts';

const int = (v: string) => Number.parseInt(v, 10);
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerAnalyze(program: Command): void {
  const analyze = program
    .command('analyze')
    .description('customer-value analyses; each run is stored in the workspace');

  analyze
    .command('clv')
    .description('customer lifetime value: BG/NBD purchase model and Gamma-Gamma spend model')
    .requiredOption('--db <file>', 'workspace file')
    .requiredOption('--calibration-end <date>', 'last day of the calibration period (YYYY-MM-DD)')
    .addOption(new Option('--time-unit <unit>', 'model time unit').choices(['day', 'week']).default('week'))
    .option('--horizon <months>', 'months of future value', int)
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
        await runJobCommand(
          o.db,
          'analysis.clv',
          {
            calibrationEnd: o.calibrationEnd,
            timeUnit: o.timeUnit,
            horizon: o.horizon,
            discountRate: o.discountRate,
          },
          !!o.json,
          printClv,
        );
      },
    );

  analyze
    .command('rfm')
    .description('recency / frequency / monetary scores and named segments')
    .requiredOption('--db <file>', 'workspace file')
    .option('--as-of <date>', 'score as of this day (YYYY-MM-DD; default: the last order day)')
    .option('--window-days <n>', 'days of history to score', int)
    .option('--json', 'print JSON')
    .action(async (o: { db: string; asOf?: string; windowDays?: number; json?: boolean }) => {
      await runJobCommand(o.db, 'analysis.rfm', { asOf: o.asOf, windowDays: o.windowDays }, !!o.json, printRfm);
    });

  analyze
    .command('cluster')
    .description('customer segments by k-means or DBSCAN on RFM-style features')
    .requiredOption('--db <file>', 'workspace file')
    .option('--features <list>', 'recency,frequency,monetary,tenure,aov', list, ['recency', 'frequency', 'monetary'])
    .option('--transform <list>', 'log1p,standardize,minmax (applied in order)', list, ['log1p', 'standardize'])
    .addOption(new Option('--algorithm <name>', 'clustering algorithm').choices(['kmeans', 'dbscan']).default('kmeans'))
    .option('--k <n>', 'clusters (default: best silhouette over --k-range)', int)
    .option('--k-range <a-b>', 'range of k to choose from', (v) => v.split('-').map(int) as [number, number])
    .option('--n-init <n>', 'k-means restarts', int)
    .option('--eps <r>', 'DBSCAN radius in transformed units (default: the k-distance knee)', Number.parseFloat)
    .option('--min-samples <n>', 'DBSCAN core-point neighbours', int)
    .option('--as-of <date>', 'features as of this day (YYYY-MM-DD)')
    .option('--seed <n>', 'random seed', int, 0)
    .option('--json', 'print JSON')
    .action(async (o: Record<string, unknown>) => {
      const range = o.kRange as number[] | undefined;
      if (range && (range.length !== 2 || range.some((n) => !Number.isInteger(n)))) {
        throw new CliError('--k-range expects two whole numbers like 2-8');
      }
      // Member lists and the 2-D projection stay in the stored run (analysis.result).
      await runJobCommand(
        o.db as string,
        'analysis.cluster',
        {
          features: o.features as ('recency' | 'frequency')[],
          transform: o.transform as ('log1p' | 'standardize')[],
          algorithm: o.algorithm as 'kmeans' | 'dbscan',
          k: o.k as number | undefined,
          kRange: range as [number, number] | undefined,
          nInit: o.nInit as number | undefined,
          eps: o.eps as number | undefined,
          minSamples: o.minSamples as number | undefined,
          asOf: o.asOf as string | undefined,
          seed: o.seed as number,
        },
        !!o.json,
        printCluster,
        (r) => {
          const { members: _m, noise: _n, projection: _p, ...summary } = r;
          return summary;
        },
      );
    });

  analyze
    .command('churn')
    .description('churn warning: who stops buying within the horizon, from history before the cut-off only')
    .requiredOption('--db <file>', 'workspace file')
    .requiredOption('--as-of <date>', 'last day of known history (YYYY-MM-DD)')
    .option('--horizon-days <n>', 'days without a purchase that count as churn', int, 90)
    .addOption(new Option('--model <name>', 'classifier').choices(['logistic', 'tree']).default('logistic'))
    .option('--seed <n>', 'random seed', int, 0)
    .option('--json', 'print JSON')
    .action(
      async (o: {
        db: string;
        asOf: string;
        horizonDays: number;
        model: 'logistic' | 'tree';
        seed: number;
        json?: boolean;
      }) => {
        await runJobCommand(
          o.db,
          'analysis.churn',
          {
            asOf: o.asOf,
            horizonDays: o.horizonDays,
            model: o.model,
            seed: o.seed,
          },
          !!o.json,
          (r) => printModelRun('churn', r),
        );
      },
    );

  analyze
    .command('regress')
    .description("next-period spend: each customer's sales in the horizon after the cut-off")
    .requiredOption('--db <file>', 'workspace file')
    .requiredOption('--as-of <date>', 'last day of known history (YYYY-MM-DD)')
    .option('--horizon-days <n>', 'days of spend to predict', int, 90)
    .addOption(new Option('--model <name>', 'regression').choices(['ols', 'ridge', 'lasso']).default('ridge'))
    .option('--alpha <a>', 'ridge / lasso strength', Number.parseFloat)
    .option('--seed <n>', 'random seed', int, 0)
    .option('--json', 'print JSON')
    .action(
      async (o: {
        db: string;
        asOf: string;
        horizonDays: number;
        model: 'ols' | 'ridge' | 'lasso';
        alpha?: number;
        seed: number;
        json?: boolean;
      }) => {
        await runJobCommand(
          o.db,
          'analysis.regress',
          {
            asOf: o.asOf,
            horizonDays: o.horizonDays,
            model: o.model,
            alpha: o.alpha,
            seed: o.seed,
          },
          !!o.json,
          (r) => printModelRun('regress', r),
        );
      },
    );

  analyze
    .command('classify')
    .description("customer classes: by default each customer's next preferred category, or a customers column")
    .requiredOption('--db <file>', 'workspace file')
    .option('--as-of <date>', 'last day of known history (YYYY-MM-DD; default: the day of the latest sale)')
    .addOption(
      new Option('--target <name>', 'what to predict')
        .choices(['preferred-category', 'gender', 'ageGroup', 'city', 'country', 'occupation'])
        .default('preferred-category'),
    )
    .addOption(new Option('--model <name>', 'classifier').choices(['logistic', 'tree', 'mlp']).default('logistic'))
    .option('--horizon-days <n>', 'preferred category: days of purchases that define it', int, 90)
    .addOption(
      new Option('--holdout <kind>', 'customers columns: evaluate on a random 20% or the newest 20%').choices([
        'random',
        'newest',
      ]),
    )
    .option('--seed <n>', 'random seed', int, 0)
    .option('--json', 'print JSON')
    .action(
      async (o: {
        db: string;
        asOf?: string;
        target: 'preferred-category' | 'gender' | 'ageGroup' | 'city' | 'country' | 'occupation';
        model: 'logistic' | 'tree' | 'mlp';
        horizonDays: number;
        holdout?: 'random' | 'newest';
        seed: number;
        json?: boolean;
      }) => {
        await runJobCommand(
          o.db,
          'analysis.classify',
          {
            asOf: o.asOf,
            target: o.target,
            model: o.model,
            horizonDays: o.horizonDays,
            seed: o.seed,
            ...(o.holdout ? { holdout: o.holdout } : {}),
          },
          !!o.json,
          (r) => {
            const m = r.metrics as { accuracy: number; macroF1: number };
            const b = r.baseline as { majority: number; history: number | null };
            const imp = (r.importances as { feature: string; mean: number }[]).slice().sort((x, y) => y.mean - x.mean);
            const w = r.windows as Record<string, unknown>;
            const split =
              'heldOutRandomShare' in w
                ? 'random 20% held out'
                : 'heldOutFirstSaleFrom' in w
                  ? 'newest 20% held out'
                  : 'held out in time';
            console.log(`classify ${String(r.target)} with ${String(r.model)} (${split})`);
            console.log(`model      accuracy ${m.accuracy.toFixed(4)}  macroF1 ${m.macroF1.toFixed(4)}`);
            console.log(
              `baseline   majority ${b.majority.toFixed(4)}${b.history === null ? '' : `  same-as-before ${b.history.toFixed(4)}`}`,
            );
            console.log(
              `top features ${imp
                .slice(0, 5)
                .map((i) => `${i.feature} ${i.mean.toFixed(3)}`)
                .join(', ')}`,
            );
            console.log(`stored as analysis run ${String(r.runId)}`);
          },
        );
      },
    );

  analyze
    .command('next-action')
    .description('next action in a browse session (Markov order 1 or 2 with backoff), tested after a time cut-off')
    .requiredOption('--db <file>', 'workspace file')
    .option('--cutoff <date>', 'sessions from this day (YYYY-MM-DD) are the test set (default: the last 20%)')
    .addOption(new Option('--order <n>', 'Markov order').choices(['1', '2']).default('2'))
    .option('--json', 'print JSON')
    .action(async (o: { db: string; cutoff?: string; order: string; json?: boolean }) => {
      await runJobCommand(
        o.db,
        'analysis.nextAction',
        { cutoff: o.cutoff, order: o.order === '1' ? 1 : 2 },
        !!o.json,
        (r) => printModelRun('next-action', r),
      );
    });

  analyze
    .command('demand')
    .description('weekly demand forecast (trend + seasonality) against seasonal-naive, with restock hints')
    .requiredOption('--db <file>', 'workspace file')
    .addOption(new Option('--level <level>', 'forecast per').choices(['category', 'product']).default('category'))
    .option('--weeks <n>', 'weeks ahead', int)
    .option('--holdout-weeks <n>', 'weeks held out to score the forecast', int)
    .option('--lead-time-weeks <n>', 'weeks of demand stock must cover', int)
    .option('--json', 'print JSON')
    .action(
      async (o: {
        db: string;
        level: 'category' | 'product';
        weeks?: number;
        holdoutWeeks?: number;
        leadTimeWeeks?: number;
        json?: boolean;
      }) => {
        await runJobCommand(
          o.db,
          'analysis.demand',
          {
            level: o.level,
            weeks: o.weeks,
            holdoutWeeks: o.holdoutWeeks,
            leadTimeWeeks: o.leadTimeWeeks,
          },
          !!o.json,
          (r) => printModelRun('demand', r),
        );
      },
    );

  analyze
    .command('campaign')
    .description('campaign response by arm and segment: treatment − control uplift with 95% intervals')
    .requiredOption('--db <file>', 'workspace file')
    .option('--campaign <id>', 'campaign external id (default: the latest)')
    .option('--json', 'print JSON')
    .action(async (o: { db: string; campaign?: string; json?: boolean }) => {
      await runJobCommand(o.db, 'analysis.campaign', { campaign: o.campaign }, !!o.json, printCampaign);
    });
}
