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
  sessionize,
  stateList,
  transitionMatrix,
  type ClassMetrics,
  type EventRow,
  type PrefixPrediction,
  type Session,
} from './markov.ts';

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

export function loadSessions(db: Db): { states: string[]; sessions: Session[] } {
  const rows = (
    db.prepare(`SELECT customer_id, visitor_id, session_id, occurred_at, type FROM events`).raw().all() as [
      number | null,
      string | null,
      string | null,
      number,
      string,
    ][]
  ).map((r): EventRow => ({
    actor: r[0] !== null ? `c${r[0]}` : `v${r[1]}`,
    sessionId: r[2],
    at: r[3],
    type: r[4],
  }));
  const states = stateList(rows.map((r) => r.type));
  return { states, sessions: sessionize(rows, states) };
}

export async function runNextAction(db: Db, params: NextActionParams, ctx: JobContext): Promise<NextActionResult> {
  if (params.order !== 1 && params.order !== 2) throw new UserError('order must be 1 or 2');
  const runId = startRun(db, 'next-action', params);
  try {
    ctx.progress(0, 3, 'building sessions');
    const { states, sessions } = loadSessions(db);
    if (sessions.length < 20) throw new UserError(`only ${sessions.length} browse sessions: too few`);
    let cut: number;
    if (params.cutoff !== undefined) cut = parseCutoff(params.cutoff);
    else {
      const starts = Float64Array.from(sessions, (s) => s.start).sort();
      cut = starts[Math.floor(0.8 * starts.length)]!;
    }
    const train = sessions.filter((s) => s.start < cut);
    const test = sessions.filter((s) => s.start >= cut);
    if (train.length < 10 || test.length < 10) {
      throw new UserError(
        `the cut-off leaves ${train.length} training and ${test.length} test sessions: need at least 10 each`,
      );
    }
    ctx.throwIfCancelled();
    ctx.progress(1, 3, 'fitting');
    const model = fitMarkov(train, states, params.order);
    ctx.progress(2, 3, 'evaluating');
    const ev = evaluate(model, test);
    const prefixes = (params.prefixes ?? DEFAULT_PREFIXES).filter((p) =>
      p.every((t) => states.includes(t) && t !== 'exit'),
    );
    const result: NextActionResult = {
      runId,
      order: params.order,
      states,
      cutoff: new Date(cut * 1000).toISOString(),
      sessions: { train: train.length, test: test.length },
      metrics: ev.model,
      baseline: ev.baseline,
      ...transitionMatrix(fitMarkov(train, states, 1)),
      predictions: prefixes.map((prefix) => ({ prefix, ...predictPrefix(model, prefix) })),
    };
    finishRun(db, runId, { metrics: ev.model, baseline: ev.baseline }, result);
    return result;
  } catch (err) {
    failRun(db, runId, err);
    throw err;
  }
}
