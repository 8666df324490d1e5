// Decode threads chosen by timing (src-main/core/llm/decode-threads.ts): the choice logic on given timings, and the
// steering on the real node-llama-cpp context with the tiny generated GGUF (the addon's own thread count is read
// back, so a node-llama-cpp that stopped calling the shadowed methods fails here).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { CpuPin } from '../src-main/core/llm/cpu-pin.ts';
import { DecodeThreadTuner, steerContextThreads } from '../src-main/core/llm/decode-threads.ts';
import { LlmRuntime } from '../src-main/core/llm/runtime.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

/** Runs `steps` decode steps through the tuner with the given cost per thread count; returns the counts used. */
function drive(tuner: DecodeThreadTuner, steps: number, cost: (threads: number) => number): number[] {
  const used: number[] = [];
  for (let i = 0; i < steps; i++) {
    const threads = tuner.threadsFor(1);
    used.push(threads);
    tuner.record(1, threads, cost(threads));
  }
  return used;
}

describe('DecodeThreadTuner', () => {
  it('gives prompt batches the prompt threads, and does not time the first steps after a prompt', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 4, candidates: [1, 4], window: 2 });
    expect(tuner.threadsFor(512)).toBe(4);
    expect(tuner.threadsFor(2)).toBe(4);
    tuner.record(512, 4, 1);
    expect(tuner.takeMostUsed()).toBeNull();
    // Two settling steps (very slow: a graph rebuild) are not timed; then 1 thread is timed for 2 steps, 4 for 2.
    const used = drive(tuner, 6, (t) => (t === 1 ? 10 : 30));
    expect(used).toEqual([1, 1, 1, 1, 4, 4]);
    expect(tuner.choice).toBe(1);
  });

  it('times a block of steps per candidate and keeps the faster', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [2, 1], window: 3, recheckEvery: 100 });
    const used = drive(tuner, 10, (t) => (t === 1 ? 12 : 8));
    expect(used).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
    expect(tuner.choice).toBe(2);
  });

  it('drops the choice as soon as it falls behind, e.g. when the second core starts stalling', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2], window: 4, recheckEvery: 100 });
    let step = 0;
    // 2 threads are faster at first (8 vs 12 ms); after 12 steps every 2-thread step stalls to 40 ms.
    const used = drive(tuner, 20, (t) => (step++ >= 12 && t === 2 ? 40 : t === 1 ? 12 : 8));
    expect(used.slice(0, 8)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(used.slice(8, 12).every((t) => t === 2)).toBe(true);
    expect(tuner.choice).toBe(1);
    expect(used.at(-1)).toBe(1);
  });

  it('re-times the other candidates after recheckEvery steps and switches when they became faster', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2], window: 2, recheckEvery: 4 });
    // First 2 threads are slow (a busy second core), later fast.
    let step = 0;
    const used = drive(tuner, 12, (t) => (t === 1 ? 10 : step++ < 2 ? 30 : 5));
    // 1,1 timed; 2,2 timed (slow); 1 ×4 chosen; then a fresh 2-thread block finds it faster; it stays.
    expect(used).toEqual([1, 1, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(tuner.choice).toBe(2);
  });

  it('ends a recheck block early once it cannot win, and waits twice as long for the next', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2], window: 4, recheckEvery: 4 });
    // 2 threads stall at 100 ms a step: one step of the recheck is already slower than 4 steps of 1 thread.
    const used = drive(tuner, 8 + 4 + 1 + 8 + 1, (t) => (t === 1 ? 10 : 100));
    expect(used.slice(0, 8)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    // 4 steps on 1 thread, a 1-step recheck of 2, then 8 steps (twice the wait) before the next 1-step recheck.
    expect(used.slice(8)).toEqual([1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(tuner.choice).toBe(1);
  });

  it('counts a stall in a block as part of its cost (means, not medians)', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2], window: 3, recheckEvery: 100 });
    let twoThreadSteps = 0;
    drive(tuner, 6, (t) => (t === 2 ? (twoThreadSteps++ === 1 ? 50 : 5) : 8));
    expect(tuner.choice).toBe(1);
  });

  it('keeps fewer threads unless more are clearly faster', () => {
    const close = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2], window: 4, recheckEvery: 100 });
    drive(close, 8, (t) => (t === 1 ? 10 : 9.7));
    expect(close.choice).toBe(1);
    const clear = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2], window: 4, recheckEvery: 100 });
    drive(clear, 8, (t) => (t === 1 ? 10 : 8));
    expect(clear.choice).toBe(2);
  });

  it('counts the decode steps per thread count for the stats, and resets', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2], window: 2, recheckEvery: 100 });
    drive(tuner, 14, (t) => (t === 1 ? 3 : 9));
    expect(tuner.takeMostUsed()).toBe(1);
    expect(tuner.takeMostUsed()).toBeNull();
  });

  it('runs one-token batches between beginPrompt and the first sampled token as prompt, untimed', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2], window: 2, recheckEvery: 100 });
    drive(tuner, 6, (t) => (t === 1 ? 10 : 30));
    expect(tuner.choice).toBe(1);
    tuner.takeMostUsed();
    tuner.beginPrompt();
    // A prompt of 1,025 uncached tokens: batches of 512, 512 and a last single token, all on the prompt threads.
    for (const tokens of [512, 512, 1]) {
      expect(tuner.threadsFor(tokens)).toBe(2);
      tuner.record(tokens, 2, 1000);
    }
    // Not counted as a decode step, and (a prompt batch) it restarts the settling steps.
    expect(tuner.takeMostUsed()).toBeNull();
    tuner.endPrompt();
    expect(tuner.threadsFor(1)).toBe(1);
    expect(tuner.threadsFor(512)).toBe(2);
  });

  it('with one candidate it never explores', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 3, candidates: [3, 3] });
    expect(drive(tuner, 20, () => 1).every((t) => t === 3)).toBe(true);
  });
});

describe('steering a real node-llama-cpp context', () => {
  let dir: string;
  let modelPath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wb-decode-threads-'));
    modelPath = writeTinyGguf(join(dir, 'tiny.gguf'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prompt batches run on the prompt threads and decode steps on the tuner’s choice', async () => {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 2 });
    try {
      const model = await llama.loadModel({ modelPath });
      const context = await model.createContext({ contextSize: 1024, threads: 2 });
      // One candidate, 1 thread: unsteered, node-llama-cpp would decode on the context's 2.
      const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1] });
      const seen: number[] = [];
      expect(steerContextThreads(context, tuner, (threads) => seen.push(threads))).toBe(true);
      const native = (context as unknown as { _ctx: { getThreads(): number } })._ctx;
      const sequence = context.getSequence();
      const prompt = model.tokenize('Write a short slogan for the summer sale');
      expect(prompt.length).toBeGreaterThan(1);
      let steps = 0;
      let promptThreads = 0;
      for await (const _token of sequence.evaluate(prompt)) {
        // The first token comes from the prompt's batch.
        if (steps === 0) promptThreads = native.getThreads();
        if (++steps === 6) break;
      }
      expect(promptThreads).toBe(2);
      expect(native.getThreads()).toBe(1);
      expect(tuner.takeMostUsed()).toBe(1);
      // The hook (CPU pinning in the model process) saw the prompt batch, then each decode step, before llama.cpp.
      expect(seen[0]).toBe(2);
      expect(seen.slice(1).length).toBeGreaterThanOrEqual(4);
      expect(seen.slice(1).every((t) => t === 1)).toBe(true);
      await context.dispose();
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });

  it('a prompt whose last batch is one token runs it on the prompt threads; a batch waits for beforeBatch’s promise', async () => {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 2 });
    try {
      const model = await llama.loadModel({ modelPath });
      // Batches of 8 tokens: a 9-token prompt is evaluated as 8 + 1.
      const context = await model.createContext({ contextSize: 1024, threads: 2, batchSize: 8 });
      const native = (context as unknown as { _ctx: { decodeBatch(): Promise<unknown> } })._ctx;
      const events: string[] = [];
      // Under the steering: sees when llama.cpp is really handed each batch.
      const decode = native.decodeBatch;
      Object.defineProperty(native, 'decodeBatch', {
        configurable: true,
        value: () => {
          events.push('decode');
          return decode.call(native);
        },
      });
      const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1] });
      const seen: number[] = [];
      let gates = 0;
      const beforeBatch = (threads: number) => {
        seen.push(threads);
        // The first batch waits for a promise that settles on a later turn of the event loop.
        if (gates++ > 0) return undefined;
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            events.push('gate');
            resolve();
          }),
        );
      };
      expect(steerContextThreads(context, tuner, beforeBatch)).toBe(true);
      const sequence = context.getSequence();
      const prompt = model.tokenize('Write a short slogan for the summer sale of shoes and bags');
      const tokens = [
        ...prompt.slice(0, 9),
        ...Array.from({ length: Math.max(0, 9 - prompt.length) }, () => prompt[1]!),
      ];
      expect(tokens).toHaveLength(9);
      tuner.beginPrompt();
      let steps = 0;
      for await (const _token of sequence.evaluate(tokens)) if (++steps === 4) break;
      // 8 + 1 prompt tokens on 2 threads, then decode steps on the 1-thread choice.
      expect(seen.slice(0, 2)).toEqual([2, 2]);
      expect(seen.slice(2).length).toBeGreaterThanOrEqual(2);
      expect(seen.slice(2).every((t) => t === 1)).toBe(true);
      expect(events.slice(0, 3)).toEqual(['gate', 'decode', 'decode']);
      await context.dispose();
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });

  it('an object that is not a node-llama-cpp context is left alone', () => {
    const tuner = new DecodeThreadTuner({ promptThreads: 2, candidates: [1, 2] });
    expect(steerContextThreads({}, tuner)).toBe(false);
    expect(steerContextThreads({ _ctx: { initBatch() {} } }, tuner)).toBe(false);
  });
});

describe('the model process with automatic threads', () => {
  it('reports prompt threads and tuned decode threads, and a reply’s decode threads are one of the candidates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-decode-auto-'));
    const runtime = new LlmRuntime({ gpu: false, threads: 0, contextSize: 1024, maxTokens: 24 });
    try {
      const model = await runtime.load(writeTinyGguf(join(dir, 'tiny.gguf')));
      const info = await runtime.info();
      if (info.cpuMathCores > 1) {
        expect(model).toMatchObject({ threads: info.cpuMathCores, decodeThreads: 'auto' });
      } else {
        expect(model).toMatchObject({ threads: 1, decodeThreads: 1 });
      }
      const reply = await runtime.chat('Write a slogan for our summer sale', { maxTokens: 24 });
      expect(reply.tokens).toBeGreaterThan(1);
      // A fresh context: every prompt token is evaluated, the last one (metered as output) included.
      expect(reply.stats?.evaluatedPromptTokens).toBe(reply.stats?.promptTokens);
      expect(reply.stats?.threads).toBe(model.threads);
      expect([1, model.threads]).toContain(reply.stats?.decodeThreads);
    } finally {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The CPUs a process may run on, read by taskset from outside. */
function cpusOf(pid: number): number[] {
  const list = /list:\s*([\d,-]+)/.exec(execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' }))![1]!;
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return Array.from({ length: (b ?? a!) - a! + 1 }, (_, k) => a! + k);
  });
}

describe.runIf(process.platform === 'linux')('CpuPin (Linux)', () => {
  it('pins every thread of the process to one CPU and restores the original affinity', () => {
    const before = cpusOf(process.pid);
    const pin = new CpuPin();
    expect(pin.available).toBe(true);
    try {
      expect(pin.pin()).toBe(true);
      const pinned = cpusOf(process.pid);
      expect(pinned).toHaveLength(1);
      expect(before).toContain(pinned[0]);
    } finally {
      pin.unpin();
    }
    expect(pin.pinned).toBe(false);
    expect(cpusOf(process.pid)).toEqual(before);
  });

  it('lifts the pin in the background, and says when it is done', async () => {
    const before = cpusOf(process.pid);
    const pin = new CpuPin();
    try {
      expect(pin.settling).toBeNull();
      expect(pin.pin()).toBe(true);
      pin.unpinLater();
      const settling = pin.settling;
      expect(settling).not.toBeNull();
      await settling;
      expect(pin.settling).toBeNull();
      expect(pin.pinned).toBe(false);
      expect(cpusOf(process.pid)).toEqual(before);
    } finally {
      pin.unpin();
    }
  });

  it('a model process on one thread runs pinned to one CPU; WORKBENCH_LLM_PIN=0 leaves it free', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-pin-'));
    const modelPath = writeTinyGguf(join(dir, 'tiny.gguf'));
    const pinned = new LlmRuntime({ gpu: false, threads: 1, contextSize: 1024, maxTokens: 8 });
    const free = new LlmRuntime({
      gpu: false,
      threads: 1,
      contextSize: 1024,
      maxTokens: 8,
      childEnv: { WORKBENCH_LLM_PIN: '0' },
    });
    try {
      await pinned.load(modelPath);
      await free.load(modelPath);
      const all = cpusOf(process.pid);
      expect(cpusOf(pinned.pid!)).toHaveLength(1);
      expect(cpusOf(free.pid!)).toEqual(all);
      // Still answers, pinned.
      expect((await pinned.chat('Write a slogan', { maxTokens: 8 })).tokens).toBeGreaterThan(0);
    } finally {
      await pinned.close();
      await free.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
