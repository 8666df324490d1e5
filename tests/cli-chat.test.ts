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

  it('grounds an SMS on a segment of the workspace and keeps it within the SMS limit', () => {
    const db = join(dir, 'shop.db');
    expect(workbench('demo', '--db', db, '--customers', '300', '--json').status).toBe(0);
    const r = workbench(
      'chat',
      '--model',
      model,
      '--threads',
      '1',
      '--context',
      '2048',
      '--gpu',
      'cpu',
      '--db',
      db,
      '--segment',
      'Loyal',
      '--template',
      'sms',
      '--language',
      'en',
      '--json',
      'spring sale',
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.tokens).toBeGreaterThan(0);
    expect([...out.text].length).toBeLessThanOrEqual(160);
    const tooLong = workbench(
      'chat',
      '--model',
      model,
      '--threads',
      '1',
      '--context',
      '1024',
      '--gpu',
      'cpu',
      '--db',
      db,
      '--segment',
      'Loyal',
      '--template',
      'sms',
      '--language',
      'en',
      'spring sale',
    );
    expect(tooLong.status).toBe(2);
    expect(tooLong.stderr).toMatch(/the model could not answer/);
  });

  it('model add registers a GGUF in place and model list reads its header', () => {
    const env = { ...process.env, WORKBENCH_MODELS: join(dir, 'models') };
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
    const added = run('model', 'add', model, '--json');
    expect(added.status).toBe(0);
    const list = JSON.parse(run('model', 'list', '--json').stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ path: model, header: { architecture: 'llama', contextLength: 2048 } });
    expect(['fits', 'slow', 'wont-fit']).toContain(list[0].fit.verdict);
    const cut = join(dir, 'cut-for-add.gguf');
    writeFileSync(cut, readFileSync(model).subarray(0, 200_000));
    const bad = run('model', 'add', cut);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/not a usable GGUF model/);
  });
});
