/**
 * Browse sessions from the known first-order Markov chain. A session starts in
 * `view` or `search`, moves by the transition matrix and ends on `exit`, which
 * is not stored: the last event of a session_id is the one followed by exit.
 * Events within one actor are at least a second apart, so the events table's
 * natural key never collides.
 */
import type { Catalog } from './catalog.ts';
import type { Chooser } from './chooser.ts';
import { eventStates, markovModel } from './model.ts';
import type { Rng } from './rng.ts';

const EXIT = eventStates.indexOf('exit');
const startWeights = eventStates.map((s) => markovModel.start[s] ?? 0);
const gapRate = 1 / markovModel.meanGapSeconds;
const zhModifiers = ['推荐', '便宜', '新款', '正品'];
const enModifiers = ['cheap', 'best', 'new', 'sale'];

export type EmitEvent = (type: string, at: number, product: number | null, query: string | null) => void;

/** Plays one session from `start`; returns the time of its last event (never at or after `end`). */
export function playSession(
  rng: Rng,
  catalog: Catalog,
  chooser: Chooser,
  chinese: boolean,
  start: number,
  end: number,
  emit: EmitEvent,
): number {
  let state = rng.weighted(startWeights);
  let t = start;
  let last = start;
  let viewed = -1;
  let carted = -1;
  let searched = -1;
  for (;;) {
    if (t >= end) break;
    const type = eventStates[state] ?? 'view';
    switch (type) {
      case 'view': {
        const c = searched >= 0 ? searched : chooser.category(rng);
        searched = -1;
        viewed = chooser.product(rng, c);
        emit(type, t, viewed, null);
        break;
      }
      case 'search': {
        const c = chooser.category(rng);
        searched = c;
        const s = catalog.catStart[c] ?? 0;
        const e = catalog.catStart[c + 1] ?? s + 1;
        const j = s + rng.int(e - s);
        let q = chinese ? (catalog.nameZh[j] ?? '') : (catalog.nameEn[j] ?? '');
        if (rng.chance(0.25)) q = chinese ? `${q} ${rng.pick(zhModifiers)}` : `${rng.pick(enModifiers)} ${q}`;
        emit(type, t, null, q);
        break;
      }
      case 'cart':
      case 'favorite': {
        if (viewed < 0) viewed = chooser.product(rng, chooser.category(rng));
        if (type === 'cart') carted = viewed;
        emit(type, t, viewed, null);
        break;
      }
      case 'purchase': {
        const p = carted >= 0 ? carted : viewed >= 0 ? viewed : chooser.product(rng, chooser.category(rng));
        emit(type, t, p, null);
        break;
      }
    }
    last = t;
    state = rng.weighted(markovModel.matrix[state] ?? [0, 0, 0, 0, 0, 1]);
    if (state === EXIT) break;
    t += 1 + Math.floor(rng.exponential(gapRate));
  }
  return last;
}
