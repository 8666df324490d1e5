/**
 * The kept helper thread (core/util/helper-thread.ts, helper-thread-loop.ts) on a real worker: both threads
 * claim every chunk exactly once, one fit holds the helper at a time, a given-back helper serves the next fit,
 * and a helper whose command throws fails that fit clearly and is not used again.
 */
import { describe, expect, it } from 'vitest';
import { CMD, CMD_RELEASE, HELPER_WORDS, KeptHelper, NEXT } from '../src-main/core/util/helper-thread.ts';

const url = new URL('./fixtures/helper-thread/test-helper.ts', import.meta.url);
const CHUNKS = 20_000;

describe('KeptHelper', () => {
  it('shares chunks, is held by one fit at a time, serves the next fit, and is dropped after a failure', () => {
    const kept = new KeptHelper('test', HELPER_WORDS);
    const h = kept.take(url)!;
    expect(h).not.toBeNull();
    // Held: another fit runs alone.
    expect(kept.take(url)).toBeNull();

    const marks = new Int32Array(new SharedArrayBuffer(CHUNKS * 4));
    expect(kept.setup(h, marks.buffer)).toBe(true);
    expect(kept.command(h, 2)).toBe(true);
    for (let ch = Atomics.add(h.ctrl, NEXT, 1); ch < CHUNKS; ch = Atomics.add(h.ctrl, NEXT, 1)) marks[ch] = 1;
    expect(kept.settle(h)).toBe(true);
    // Every chunk claimed once, by one thread or the other (how many each took depends on the scheduler).
    expect(marks.every((m) => m === 1 || m === 2)).toBe(true);

    kept.giveBack(h);
    expect(kept.settle(h)).toBe(true);
    expect(h.ctrl[CMD]).toBe(CMD_RELEASE);
    const again = kept.take(url);
    expect(again).toBe(h);

    // Its own command 3 throws in the helper: the fit hears of it, and the helper is not used again.
    expect(kept.command(again!, 3)).toBe(true);
    expect(() => kept.settle(again!)).toThrow('test helper thread failed');
    kept.giveBack(again!);
    expect(kept.take(url)).toBeNull();
  });
});
