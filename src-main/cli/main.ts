/**
 * `workbench`: the headless front door. Every command goes through the same
 * WorkbenchService as the app and browser mode, so a scheduled script sees
 * exactly what a merchant sees.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { ImportOptions, ImportResult } from '../core/api/contract.ts';
import { importKinds } from '../core/import/fields.ts';
import { ApiError } from '../core/api/service.ts';
import { registerAnalyze } from './commands/analyze.ts';
import { registerChat } from './commands/chat.ts';
import { registerModel } from './commands/model.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerRecommend } from './commands/recommend.ts';
import { registerReport } from './commands/report.ts';
import { printImportResult, printPreview, printStats } from './format.ts';
import { CliError, collect, jobOutcome, parsePairs, print, runJob, userErrorNames, withService } from './shared.ts';

export function buildProgram(): Command {
  const program = new Command('workbench')
    .description('Merchant Workbench: offline analytics for your shop exports')
    .showHelpAfterError()
    .enablePositionalOptions()
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

  registerAnalyze(program);
  registerRecommend(program);
  registerChat(program);
  registerModel(program);
  registerTasks(program);
  registerReport(program);

  program
    .command('serve')
    .description('serve the workbench to a browser on 127.0.0.1 (prints a tokenized URL)')
    .requiredOption('--db <file>', 'workspace file')
    .option('--port <n>', 'port (default: a free one)', (v) => Number.parseInt(v, 10), 0)
    .option('--models <folder>', 'model library folder (default: ~/.merchant-workbench/models or $WORKBENCH_MODELS)')
    .option('--llm-threads <n>', "the chat model's CPU threads (default: the runtime decides)", (v) =>
      Number.parseInt(v, 10),
    )
    .option('--llm-context <n>', "the chat model's context window in tokens", (v) => Number.parseInt(v, 10))
    .addOption(
      new Option('--gpu <backend>', 'GPU backend for the chat model')
        .choices(['auto', 'cuda', 'vulkan', 'metal', 'cpu'])
        .default('auto'),
    )
    .action(
      async (o: {
        db: string;
        port: number;
        models?: string;
        llmThreads?: number;
        llmContext?: number;
        gpu: string;
      }) => {
        const { serveCommand } = await import('./serve.ts');
        await serveCommand({
          db: o.db,
          port: o.port,
          ...(o.models ? { modelsDir: o.models } : {}),
          llm: {
            gpu: o.gpu === 'cpu' ? false : (o.gpu as 'auto'),
            ...(o.llmThreads ? { threads: o.llmThreads } : {}),
            ...(o.llmContext ? { contextSize: o.llmContext } : {}),
          },
        });
      },
    );

  return program;
}

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
