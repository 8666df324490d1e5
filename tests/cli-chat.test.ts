import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
const workbench = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('workbench chat with a real GGUF model (generated, random weights)', () => {
  let dir: string;
  let model: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wb-chat-'));
    model = writeTinyGguf(join(dir, 'tiny.gguf'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json gives the text, token count, speed and backend', () => {
    const r = workbench(
      'chat',
      '--model',
      model,
      '--threads',
      '1',
      '--context',
      '1024',
      '--gpu',
      'cpu',
      '--max-tokens',
      '12',
      '--json',
      'Write an SMS for our spring sale',
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ tokens: 12, model: 'tiny.gguf', backend: 'cpu', stopReason: 'maxTokens' });
    expect(out.text.length).toBeGreaterThan(0);
    expect(out.tokensPerSecond).toBeGreaterThan(0);
    expect(out.timeToFirstTokenMs).toBeGreaterThan(0);
  });

  it("a damaged model file is a clear error with llama.cpp's reason, not a crash", () => {
    const bad = join(dir, 'cut.gguf');
    const whole = writeTinyGguf(join(dir, 'whole.gguf'));
    writeFileSync(bad, readFileSync(whole).subarray(0, 200_000));
    const r = workbench('chat', '--model', bad, '--threads', '1', '--context', '1024', '--gpu', 'cpu', 'hi');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot load .*cut\.gguf/);
    expect(r.stderr).toMatch(/llama|model/i);
  });
});
