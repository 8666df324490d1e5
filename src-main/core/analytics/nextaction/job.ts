/**
 * The next-action job: what a shopper does next in a browse session.
 *
 * Sessions come from events (session id, else a 30-minute inactivity gap per
 * customer or visitor). Evaluation is out-of-time: sessions that start before
 * the cut-off train the model, the later ones test it, so no test session is
 * seen in training. Reported: accuracy and macro-F1 of the next-step
 * prediction (exit included) against always predicting the most frequent
 * training action, and the order-1 transition matrix fitted on training.
 */
import type { Db } from '../../db/workspace.ts';
import { UserError, type JobContext } from '../../jobs/context.ts';
import { failRun, finishRun, startRun } from '../run-record.ts';
import {
  evaluate,
  fitMarkov,
  predictPrefix,
  stateList,
  transitionMatrix,
  type ClassMetrics,
  type PrefixPrediction,
} from './markov.ts';
import { SessionLogBuilder, sessionsWhere, type SessionLog } from './session-log.ts';

export interface NextActionParams {
  /** `YYYY-MM-DD` (UTC midnight) or ISO time: sessions starting before it train. Default: the 80th percentile of session starts. */
  cutoff?: string;
  order: 1 | 2;
  /** Session prefixes to predict (default: a few typical ones). */
  prefixes?: string[][];
}

export interface NextActionResult {
  runId: number;
  order: 1 | 2;
  states: string[];
  cutoff: string;
  sessions: { train: number; test: number };
  /** Next-step prediction on the test sessions; the baseline always predicts the majority training action. */
  metrics: ClassMetrics;
  baseline: ClassMetrics & { predicts: string };
  /** Order-1 transition matrix fitted on training sessions: from (no exit row) → to (exit included). */
  matrix: Record<string, Record<string, number>>;
  rowCounts: Record<string, number>;
  start: Record<string, number>;
  predictions: (PrefixPrediction & { prefix: string[] })[];
}

const DEFAULT_PREFIXES = [[], ['view'], ['search', 'view'], ['view', 'cart'], ['view', 'view', 'cart'], ['favorite']];

function parseCutoff(s: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(ms)) throw new UserError(`cutoff must be a date YYYY-MM-DD or an ISO time, got "${s}"`);
  return Math.floor(ms / 1000);
}

/**
 * Every browse session, streamed from the events sorted by actor and time (customers through their index, then
 * visitors) into flat typed arrays (session-log.ts): no step holds one object per event.
 */
export function loadSessions(db: Db): { states: string[]; log: SessionLog } {
  // Types are numbered as first seen, then renumbered into the state list's order once all are known.
  const seen = new Map<string, number>();
  const code = (type: string) => {
    let c = seen.get(type);
    if (c === undefined) {
      if (seen.size === 0xffff) throw new UserError('more than 65,535 event types');
      seen.set(type, (c = seen.size));
    }
    return c;
  };
  const builder = new SessionLogBuilder();
  const customers = db
    .prepare(
      `SELECT customer_id, session_id, occurred_at, type FROM events WHERE customer_id IS NOT NULL
       ORDER BY customer_id, occurred_at, rowid`,
    )
    .raw()
    .iterate() as IterableIterator<[number, string | null, number, string]>;
  for (const [customer, session, at, type] of customers) builder.add(customer, session, at, code(type));
  const visitors = db
    .prepare(
      `SELECT visitor_id, session_id, occurred_at, type FROM events WHERE customer_id IS NULL
       ORDER BY visitor_id, occurred_at, rowid`,
    )
    .raw()
    .iterate() as IterableIterator<[string | null, string | null, number, string]>;
  for (const [visitor, session, at, type] of visitors) builder.add(`v${visitor}`, session, at, code(type));
  const log = builder.finish();
  const states = stateList(seen.keys());
  const renumber = Uint16Array.from(seen.keys(), (t) => states.indexOf(t));
  for (let i = 0; i < log.actions.length; i++) log.actions[i] = renumber[log.actions[i]!]!;
  return { states, log };
}

export async function runNextAction(db: Db, params: NextActionParams, ctx: JobContext): Promise<NextActionResult> {
  if (params.order !== 1 && params.order !== 2) throw new UserError('order must be 1 or 2');
  const runId = startRun(db, 'next-action', params);
  try {
    ctx.progress(0, 3, 'building sessions');
    const { states, log } = loadSessions(db);
    if (log.n < 20) throw new UserError(`only ${log.n} browse sessions: too few`);
    let cut: number;
    if (params.cutoff !== undefined) cut = parseCutoff(params.cutoff);
    else {
      const starts = Float64Array.from(log.starts).sort();
      cut = starts[Math.floor(0.8 * starts.length)]!;
    }
    const isTrain = (start: number) => start < cut;
    const isTest = (start: number) => start >= cut;
    let nTrain = 0;
    for (const start of log.starts) if (isTrain(start)) nTrain++;
    const nTest = log.n - nTrain;
    if (nTrain < 10 || nTest < 10) {
      throw new UserError(`the cut-off leaves ${nTrain} training and ${nTest} test sessions: need at least 10 each`);
    }
    ctx.throwIfCancelled();
    ctx.progress(1, 3, 'fitting');
    const model = fitMarkov(sessionsWhere(log, isTrain), states, params.order);
    ctx.progress(2, 3, 'evaluating');
    // Every test session: evaluation counts hits per class as it goes, so none is held beyond the log.
    const ev = evaluate(model, sessionsWhere(log, isTest));
    const prefixes = (params.prefixes ?? DEFAULT_PREFIXES).filter((p) =>
      p.every((t) => states.includes(t) && t !== 'exit'),
    );
    const result: NextActionResult = {
      runId,
      order: params.order,
      states,
      cutoff: new Date(cut * 1000).toISOString(),
      sessions: { train: nTrain, test: nTest },
      metrics: ev.model,
      baseline: ev.baseline,
      ...transitionMatrix(fitMarkov(sessionsWhere(log, isTrain), states, 1)),
      predictions: prefixes.map((prefix) => ({ prefix, ...predictPrefix(model, prefix) })),
    };
    finishRun(db, runId, { metrics: ev.model, baseline: ev.baseline }, result);
    return result;
  } catch (err) {
    failRun(db, runId, err);
    throw err;
  }
}
