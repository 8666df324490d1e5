/** What the CLI's commands share: running a job with a progress bar, the workspace, output, user errors. */
import { existsSync } from 'node:fs';
import type { Input, JobState, Method, Output } from '../core/api/contract.ts';
import { WorkbenchService } from '../core/api/service.ts';
import { progressPrinter } from './progress.ts';

/** A user mistake: message only, exit 2, no stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}

export const userErrorNames = new Set(['CliError', 'UserError', 'ImportError', 'WorkspaceError']);

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parsePairs(pairs: string[] | undefined, what: string): Record<string, string> | undefined {
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
export async function runJob(service: WorkbenchService, jobId: string): Promise<JobState> {
  const bar = progressPrinter();
  const off = service.onJob((e) => {
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

export function jobOutcome<T>(job: JobState): T {
  if (job.status === 'cancelled') throw new CliError('cancelled; nothing was changed');
  if (job.status === 'failed') throw new CliError(job.error ?? 'failed');
  return job.result as T;
}

export async function withService<T>(
  db: string,
  mustExist: boolean,
  fn: (s: WorkbenchService) => Promise<T>,
): Promise<T> {
  if (mustExist && !existsSync(db))
    throw new CliError(`no workspace at ${db} (create one with \`workbench demo\` or \`workbench import\`)`);
  const service = new WorkbenchService(db);
  try {
    return await fn(service);
  } finally {
    await service.close();
  }
}

export const print = (json: boolean, value: unknown, human: () => void) => {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else human();
};

/** The contract's methods that start a job. */
type JobMethod = { [M in Method]: Output<M> extends { jobId: string } ? M : never }[Method];

/**
 * The shape of most commands: start a job through the service, follow it with
 * a progress bar, print its result as JSON or as text (`shape` trims what the
 * terminal does not need; the full result stays in the stored run).
 */
export async function runJobCommand<M extends JobMethod>(
  db: string,
  method: M,
  input: Input<M>,
  json: boolean,
  human: (result: Record<string, unknown>) => void,
  shape: (result: Record<string, unknown>) => Record<string, unknown> = (r) => r,
): Promise<void> {
  await withService(db, true, async (s) => {
    const { jobId } = (await s.invoke(method, input)) as { jobId: string };
    const result = shape(jobOutcome<Record<string, unknown>>(await runJob(s, jobId)));
    print(json, result, () => human(result));
  });
}
