/**
 * The model's structured work on a workspace: `workbench persona`, `workbench
 * reviews analyze`, `workbench copy`. Each answer is grammar-constrained JSON,
 * validated before it is stored (core/llm/tasks).
 */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { openWorkspace, type Db } from '../../core/db/workspace.ts';
import type { LlmRuntime } from '../../core/llm/runtime.ts';
import { generatePersona, personaSubject, type PersonaRecord } from '../../core/llm/tasks/persona.ts';
import { findProduct, generateProductCopy, type ProductCopyRecord } from '../../core/llm/tasks/product-copy.ts';
import { analyzeReviews, type ReviewBatchResult } from '../../core/llm/tasks/reviews.ts';
import type { TaskLanguage } from '../../core/llm/tasks/structured.ts';
import { CliError, print } from '../shared.ts';
import { abortOnSigint, addRuntimeOptions, int, openRuntime, type RuntimeCliOptions } from './llm-runtime.ts';

interface TaskCliOptions extends RuntimeCliOptions {
  db: string;
  lang: TaskLanguage;
  maxTokens?: number;
  json?: boolean;
}

const langOption = () =>
  new Option('--lang <lang>', 'language of what the model writes').choices(['zh', 'en']).default('zh');

/**
 * Opens the workspace, checks the request (`check`, before the slow model load), loads the model, runs `fn`, and
 * closes both; model failures become one plain line.
 */
async function withModel<T>(
  o: TaskCliOptions,
  check: (db: Db) => void,
  fn: (db: Db, runtime: LlmRuntime) => Promise<T>,
): Promise<T> {
  if (!existsSync(o.db)) throw new CliError(`no workspace at ${o.db}`);
  const db = openWorkspace(o.db);
  let runtime: LlmRuntime | null = null;
  try {
    check(db);
    runtime = await openRuntime(o);
    return await fn(db, runtime);
  } catch (err) {
    const e = err as Error;
    if (e instanceof CliError || e.name === 'UserError') throw err;
    throw new CliError(`the model could not do it: ${e.message}`);
  } finally {
    await runtime?.close();
    db.close();
  }
}

function printPersona(r: PersonaRecord): void {
  const p = r.persona;
  console.log(`${p.name}  (${r.scope} ${r.subject}, ${r.model})\n\n${p.portrait}\n`);
  console.log(`Motivations: ${p.motivations.join('; ')}`);
  console.log(`Channels:    ${p.preferredChannels.join(', ')}`);
  console.log(`Offers:      ${p.offersToTry.join('; ')}`);
  console.log(`Risks:       ${p.risks.join('; ')}`);
}

function printCopy(r: ProductCopyRecord): void {
  console.log(`${r.sku} (${r.language}, ${r.model})\n\n${r.copy.description}\n`);
  for (const point of r.copy.sellingPoints) console.log(`- ${point}`);
}

/** Progress on stderr: redrawn in place on a terminal, a line at most every second otherwise (logs). */
function reviewProgress(): (done: number, total?: number | null) => void {
  let last = 0;
  return (done, total) => {
    const line = `reviews analyzed: ${done}/${total ?? '?'}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
    else if (Date.now() - last >= 1000 || done === total) {
      last = Date.now();
      process.stderr.write(`${line}\n`);
    }
  };
}

function printBatch(r: ReviewBatchResult): void {
  console.log(
    `${r.analyzed} analyzed, ${r.failed.length} failed, ${r.remaining} still to do (of ${r.total}; ${r.alreadyDone} done before)`,
  );
  for (const f of r.failed.slice(0, 5)) console.log(`  review ${f.reviewId}: ${f.error}`);
}

export function registerTasks(program: Command): void {
  addRuntimeOptions(
    program
      .command('persona')
      .description('describe the typical customer of a segment (or one customer) as a persona, and store it')
      .requiredOption('--db <file>', 'workspace file')
      .option('--segment <name>', 'RFM segment, e.g. "Champions"')
      .option('--customer <id>', "a customer's external id (the model sees aggregates and a pseudonym only)"),
  )
    .addOption(langOption())
    .option('--max-tokens <n>', 'longest answer in tokens (default: what the schema needs)', int)
    .option('--json', 'print the stored persona as JSON')
    .action(async (o: TaskCliOptions & { segment?: string; customer?: string }) => {
      if ((o.segment === undefined) === (o.customer === undefined)) {
        throw new CliError('give one of --segment or --customer');
      }
      const stop = abortOnSigint();
      try {
        const subject = {
          ...(o.segment !== undefined ? { segment: o.segment } : {}),
          ...(o.customer !== undefined ? { customer: o.customer } : {}),
        };
        const record = await withModel(
          o,
          (db) => personaSubject(db, subject),
          (db, runtime) =>
            generatePersona(db, runtime, {
              ...subject,
              language: o.lang,
              signal: stop.signal,
              ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}),
            }),
        );
        print(!!o.json, record, () => printPersona(record));
      } finally {
        stop.dispose();
      }
    });

  const reviews = program.command('reviews').description("the model's reading of customer reviews");
  addRuntimeOptions(
    reviews
      .command('analyze')
      .description('sentiment, aspects, a summary and (for negative reviews) a drafted reply for each review')
      .requiredOption('--db <file>', 'workspace file')
      .option('--limit <n>', 'analyze at most this many reviews in this run', int),
  )
    .addOption(
      new Option('--lang <lang>', 'language for reviews of unknown language (default: detected)').choices(['zh', 'en']),
    )
    .option('--max-tokens <n>', 'longest answer per review in tokens (default: what the schema needs)', int)
    .option('--json', 'print the run summary as JSON')
    .action(async (o: Omit<TaskCliOptions, 'lang'> & { lang?: TaskLanguage; limit?: number }) => {
      if (o.limit !== undefined && !(o.limit >= 0)) throw new CliError('--limit must be a number ≥ 0');
      const stop = abortOnSigint();
      const progress = reviewProgress();
      try {
        const result = await withModel(
          { ...o, lang: o.lang ?? 'zh' },
          () => {},
          (db, runtime) =>
            analyzeReviews(
              db,
              runtime,
              {
                ...(o.limit !== undefined ? { limit: o.limit } : {}),
                ...(o.lang ? { language: o.lang } : {}),
                ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}),
              },
              { progress, signal: stop.signal },
            ),
        );
        if (process.stderr.isTTY) process.stderr.write('\n');
        if (result.cancelled) {
          console.error(`cancelled: ${result.analyzed} stored; run the same command again to continue`);
        }
        print(!!o.json, result, () => printBatch(result));
      } finally {
        stop.dispose();
      }
    });

  addRuntimeOptions(
    program
      .command('copy')
      .description("write a product's description and selling points from its sales and buyers, and store them")
      .requiredOption('--db <file>', 'workspace file')
      .requiredOption('--product <sku>', "the product's SKU"),
  )
    .addOption(langOption())
    .option('--max-tokens <n>', 'longest answer in tokens (default: what the schema needs)', int)
    .option('--json', 'print the stored copy as JSON')
    .action(async (o: TaskCliOptions & { product: string }) => {
      const stop = abortOnSigint();
      try {
        const record = await withModel(
          o,
          (db) => findProduct(db, o.product),
          (db, runtime) =>
            generateProductCopy(db, runtime, {
              product: o.product,
              language: o.lang,
              signal: stop.signal,
              ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}),
            }),
        );
        print(!!o.json, record, () => printCopy(record));
      } finally {
        stop.dispose();
      }
    });
}
