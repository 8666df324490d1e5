// The desktop app's model process: the runtime drives core/llm/child.ts through the utilityProcess adapter.
// Electron cannot run here, so the "utility process" is a forked Node child whose process.parentPort comes from
// a shim: the adapter, the child's parentPort path and the real node-llama-cpp all run; only Electron's own
// process launcher is replaced.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LlmRuntime } from '../src-main/core/llm/runtime.ts';
import { utilityProcessSpawner, type UtilityFork } from '../src-main/electron/llm-process.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

const shim = join(import.meta.dirname, 'fixtures', 'llm', 'parent-port-shim.ts');

/** Electron's utilityProcess.fork, played by node's fork: messages arrive as plain values, as Electron sends them. */
const nodeUtilityFork: UtilityFork = (modulePath, args, options) => {
  const child = fork(modulePath, args, {
    env: options.env,
    execArgv: ['--import', shim],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return Object.assign(child, {
    postMessage: (message: unknown) => void child.send(message as object),
  }) as unknown as ReturnType<UtilityFork>;
};

const dir = mkdtempSync(join(tmpdir(), 'wb-utility-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model process through the utilityProcess adapter', () => {
  it('loads, streams a reply, and closes', async () => {
    const model = writeTinyGguf(join(dir, 'tiny.gguf'));
    const runtime = new LlmRuntime({
      gpu: false,
      threads: 1,
      contextSize: 1024,
      spawnChild: utilityProcessSpawner(nodeUtilityFork),
    });
    try {
      const info = await runtime.load(model);
      expect(info.contextSize).toBe(1024);
      const chunks: string[] = [];
      const reply = await runtime.chat('hello', { maxTokens: 8, onChunk: (c) => chunks.push(c) });
      expect(reply).toMatchObject({ tokens: 8, stopReason: 'maxTokens' });
      expect(chunks.join('')).toBe(reply.text);
      expect(runtime.pid).toBeGreaterThan(0);
    } finally {
      await runtime.close();
    }
    expect(runtime.pid).toBeNull();
  });

  it('a killed model process is reported as a crash and the next call starts a new one', async () => {
    const model = join(dir, 'tiny.gguf');
    const runtime = new LlmRuntime({
      gpu: false,
      threads: 1,
      contextSize: 1024,
      spawnChild: utilityProcessSpawner(nodeUtilityFork),
    });
    try {
      await runtime.load(model);
      const first = runtime.pid!;
      process.kill(first, 'SIGKILL');
      await expect(runtime.chat('hi', { maxTokens: 4 })).rejects.toThrow();
      await runtime.load(model);
      expect(runtime.pid).not.toBe(first);
      expect(runtime.lastCrash?.reason).toMatch(/SIGKILL|killed|exit/i);
    } finally {
      await runtime.close();
    }
  });
});
