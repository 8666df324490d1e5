/**
 * Browse sessions as sequences of actions, and Markov models of order 1 and 2
 * over them. Each session ends in the pseudo-action `exit` (not stored), so
 * "what happens next" includes leaving; the first action is predicted from the
 * pseudo-context START.
 */
import { actionsOf, SESSION_GAP_SECONDS, SessionLogBuilder } from './session-log.ts';

export const EXIT = 'exit';
/** Pseudo-state before a session's first action (a context only, never a target). */
export const START = '^';
/** Known action types first, in this order; others follow alphabetically. */
const KNOWN = ['view', 'search', 'cart', 'purchase', 'favorite'];
export { SESSION_GAP_SECONDS };

export interface EventRow {
  /** Customer or visitor key; events of one actor only form a session together. */
  actor: string;
  sessionId: string | null;
  at: number;
  type: string;
}

export interface Session {
  actor: string;
  start: number;
  /** Action indices into the state list (no exit). */
  actions: number[];
}

/** The state list: known types present, other types alphabetically, then `exit` last. */
export function stateList(types: Iterable<string>): string[] {
  const seen = new Set(types);
  seen.delete(EXIT);
  const known = KNOWN.filter((t) => seen.has(t));
  const other = [...seen].filter((t) => !KNOWN.includes(t)).sort();
  return [...known, ...other, EXIT];
}

/**
 * Groups events into sessions: by session id where given (within the actor),
 * otherwise a new session after 30 minutes without an event. Rows may come in
 * any order; ties in time keep the input order.
 */
export function sessionize(rows: readonly EventRow[], states: readonly string[]): Session[] {
  const index = new Map(states.map((s, i) => [s, i]));
  const order = rows.map((_, i) => i);
  order.sort((a, b) => {
    const ra = rows[a]!;
    const rb = rows[b]!;
    return ra.actor < rb.actor ? -1 : ra.actor > rb.actor ? 1 : ra.at - rb.at || a - b;
  });
  const builder = new SessionLogBuilder({ keepActors: true });
  for (const i of order) {
    const r = rows[i]!;
    const a = index.get(r.type);
    if (a !== undefined) builder.add(r.actor, r.sessionId, r.at, a);
  }
  const log = builder.finish();
  return Array.from({ length: log.n }, (_, i) => ({
    actor: String(builder.actors![i]),
    start: log.starts[i]!,
    actions: Array.from(actionsOf(log, i)),
  }));
}

/** What the models read of a session: its actions. */
export interface ActionSequence {
  actions: ArrayLike<number>;
}

export interface MarkovModel {
  order: 1 | 2;
  states: string[];
  /** Contexts with fewer observations than this back off to the lower order. */
  minCount: number;
  /** Order-1 counts: rows = context (0..S-1 states without exit, S = START), cols = next state (S cols incl. exit). */
  c1: Float64Array;
  /** Order-2 counts: row = prev2 * (S+1) + prev1, same columns. */
  c2: Float64Array;
  /** Marginal counts of the next state. */
  c0: Float64Array;
}

/** Context index of a position: the action before it, or START (= S, the number of states). */
const ctxAt = (actions: ArrayLike<number>, pos: number, S: number) => (pos > 0 ? actions[pos - 1]! : S);

/** Counts transitions in the sessions (each ends with a transition to exit). */
export function fitMarkov(sessions: Iterable<ActionSequence>, states: readonly string[], order: 1 | 2, minCount = 5) {
  const S = states.length;
  const exit = S - 1;
  const c0 = new Float64Array(S);
  const c1 = new Float64Array((S + 1) * S);
  const c2 = new Float64Array((S + 1) * (S + 1) * S);
  for (const s of sessions) {
    const a = s.actions;
    for (let pos = 0; pos <= a.length; pos++) {
      const next = pos < a.length ? a[pos]! : exit;
      const p1 = ctxAt(a, pos, S);
      const p2 = pos > 0 ? ctxAt(a, pos - 1, S) : S;
      c0[next]!++;
      c1[p1 * S + next]!++;
      c2[(p2 * (S + 1) + p1) * S + next]!++;
    }
  }
  return { order, states: [...states], minCount, c0, c1, c2 } satisfies MarkovModel;
}

function rowOf(counts: Float64Array, row: number, S: number): { p: Float64Array; n: number } {
  const p = new Float64Array(S);
  let n = 0;
  for (let j = 0; j < S; j++) n += counts[row * S + j]!;
  if (n > 0) for (let j = 0; j < S; j++) p[j] = counts[row * S + j]! / n;
  return { p, n };
}

export interface Prediction {
  /** P(next state) over the state list (exit last). */
  probs: Float64Array;
  /** The order actually used: 2, 1, or 0 for the marginal. */
  used: 0 | 1 | 2;
}

/**
 * Next-state distribution for contexts (prev2, prev1) (START = S): the order-2
 * row when that context was seen minCount times, else the order-1 row when
 * seen minCount times, else the marginal.
 */
export function predictNext(m: MarkovModel, prev2: number, prev1: number): Prediction {
  const S = m.states.length;
  if (m.order === 2) {
    const r2 = rowOf(m.c2, prev2 * (S + 1) + prev1, S);
    if (r2.n >= m.minCount) return { probs: r2.p, used: 2 };
  }
  const r1 = rowOf(m.c1, prev1, S);
  if (r1.n >= m.minCount) return { probs: r1.p, used: 1 };
  return { probs: rowOf(m.c0, 0, S).p, used: 0 };
}

const argmax = (p: Float64Array) => {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
  return best;
};

/**
 * P(the session reaches `purchase` before `exit`) from each context, by
 * iterating h(ctx) = P(purchase | ctx) + Σ_s≠purchase,exit P(s | ctx) h(next ctx)
 * to a fixed point (the chain is absorbing, so it converges).
 */
export function purchaseReach(m: MarkovModel): (prev2: number, prev1: number) => number {
  const S = m.states.length;
  const purchase = m.states.indexOf('purchase');
  const W = S + 1;
  if (purchase < 0) return () => 0;
  const P = Array.from({ length: W * W }, (_, k) => predictNext(m, Math.floor(k / W), k % W).probs);
  let h = new Float64Array(W * W);
  for (let it = 0; it < 10_000; it++) {
    const nh = new Float64Array(W * W);
    let delta = 0;
    for (let k = 0; k < W * W; k++) {
      const p = P[k]!;
      const prev1 = k % W;
      let v = p[purchase]!;
      for (let s = 0; s < S - 1; s++) if (s !== purchase) v += p[s]! * h[prev1 * W + s]!;
      nh[k] = v;
      delta = Math.max(delta, Math.abs(v - h[k]!));
    }
    h = nh;
    if (delta < 1e-12) break;
  }
  return (prev2, prev1) => h[prev2 * W + prev1]!;
}

export interface PrefixPrediction {
  next: string;
  probabilities: Record<string, number>;
  /** P(the next action is purchase). */
  pNextPurchase: number;
  /** P(a purchase happens before the session ends). */
  pPurchaseInSession: number;
  usedOrder: 0 | 1 | 2;
}

/** Predicts what follows a session prefix (action names; unknown names are refused). */
export function predictPrefix(m: MarkovModel, prefix: readonly string[]): PrefixPrediction {
  const S = m.states.length;
  const idx = prefix.map((t) => {
    const i = m.states.indexOf(t);
    if (i < 0 || i === S - 1) throw new RangeError(`unknown action "${t}"`);
    return i;
  });
  const p1 = ctxAt(idx, idx.length, S);
  const p2 = idx.length > 1 ? idx[idx.length - 2]! : S;
  const { probs, used } = predictNext(m, p2, p1);
  const purchase = m.states.indexOf('purchase');
  return {
    next: m.states[argmax(probs)]!,
    probabilities: Object.fromEntries(m.states.map((s, j) => [s, probs[j]!])),
    pNextPurchase: purchase >= 0 ? probs[purchase]! : 0,
    pPurchaseInSession: purchaseReach(m)(p2, p1),
    usedOrder: used,
  };
}

/** Order-1 transition matrix (rows: states without exit, row-normalized) with row counts, and the start distribution. */
export function transitionMatrix(m: MarkovModel) {
  const S = m.states.length;
  const matrix: Record<string, Record<string, number>> = {};
  const rowCounts: Record<string, number> = {};
  for (let i = 0; i < S - 1; i++) {
    const { p, n } = rowOf(m.c1, i, S);
    matrix[m.states[i]!] = Object.fromEntries(m.states.map((s, j) => [s, p[j]!]));
    rowCounts[m.states[i]!] = n;
  }
  const st = rowOf(m.c1, S, S).p;
  const start = Object.fromEntries(m.states.map((s, j) => [s, st[j]!]));
  return { matrix, rowCounts, start };
}

export interface ClassMetrics {
  n: number;
  accuracy: number;
  macroF1: number;
}

/** Accuracy, and macro-F1 over the classes that occur as truth or prediction. */
export function classMetrics(truth: ArrayLike<number>, pred: ArrayLike<number>, k: number): ClassMetrics {
  const c = new Confusion(k);
  for (let i = 0; i < truth.length; i++) c.add(truth[i]!, pred[i]!);
  return c.metrics();
}

/** Per-class hit and miss counts, filled one prediction at a time (no per-prediction arrays). */
class Confusion {
  readonly tp: Float64Array;
  readonly fp: Float64Array;
  readonly fn: Float64Array;
  readonly k: number;
  n = 0;
  correct = 0;

  constructor(k: number) {
    this.k = k;
    this.tp = new Float64Array(k);
    this.fp = new Float64Array(k);
    this.fn = new Float64Array(k);
  }

  add(t: number, p: number): void {
    this.n++;
    if (t === p) {
      this.correct++;
      this.tp[t]!++;
    } else {
      this.fp[p]!++;
      this.fn[t]!++;
    }
  }

  metrics(): ClassMetrics {
    const { tp, fp, fn } = this;
    let f1 = 0;
    let classes = 0;
    for (let c = 0; c < this.k; c++) {
      if (tp[c]! + fp[c]! + fn[c]! === 0) continue;
      classes++;
      f1 += (2 * tp[c]!) / (2 * tp[c]! + fp[c]! + fn[c]!);
    }
    return { n: this.n, accuracy: this.n ? this.correct / this.n : 0, macroF1: classes ? f1 / classes : 0 };
  }
}

/** Every next-step prediction in the sessions against the truth, for the model and the majority class. */
export function evaluate(m: MarkovModel, sessions: Iterable<ActionSequence>) {
  const S = m.states.length;
  const majority = argmax(m.c0);
  const model = new Confusion(S);
  const base = new Confusion(S);
  for (const s of sessions) {
    const a = s.actions;
    for (let pos = 0; pos <= a.length; pos++) {
      const truth = pos < a.length ? a[pos]! : S - 1;
      model.add(truth, argmax(predictNext(m, pos > 0 ? ctxAt(a, pos - 1, S) : S, ctxAt(a, pos, S)).probs));
      base.add(truth, majority);
    }
  }
  return { model: model.metrics(), baseline: { ...base.metrics(), predicts: m.states[majority]! } };
}
