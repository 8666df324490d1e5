// Model download against a real HTTP server on 127.0.0.1 (node:http, with Range and If-Range as a CDN does them)
// serving a generated tiny GGUF; dropped connections, 503s and stalls are the server misbehaving on purpose.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, downloadModel, resolveModelUrl } from '../src-main/core/llm/download.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

/** What the server does with the next request for a file; requests beyond the plan are served normally. */
type Behaviour = 'normal' | 'fail-503' | { drop: number } | { stall: number };

interface Served {
  bytes: Buffer;
  etag: string;
}

let dir: string;
let server: Server;
let base: string;
const files = new Map<string, Served>();
let plan: Behaviour[] = [];
let log: { path: string; range: string | null; ifRange: string | null; status: number }[] = [];
let model: Buffer;
let modelSha: string;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function serve(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const file = files.get(path);
  const behaviour = plan.shift() ?? 'normal';
  const entry = {
    path,
    range: req.headers.range ?? null,
    ifRange: (req.headers['if-range'] as string | undefined) ?? null,
    status: 0,
  };
  log.push(entry);
  const reply = (status: number, headers: Record<string, string | number>): void => {
    entry.status = status;
    res.writeHead(status, headers);
  };
  if (!file) {
    reply(404, {});
    res.end();
    return;
  }
  if (behaviour === 'fail-503') {
    reply(503, { 'retry-after': '0' });
    res.end('busy');
    return;
  }
  const size = file.bytes.length;
  let start = 0;
  const m = /^bytes=(\d+)-$/.exec(entry.range ?? '');
  // If-Range: the rest only while the file is unchanged; otherwise the whole (new) file.
  if (m && (entry.ifRange === null || entry.ifRange === file.etag)) {
    start = Number(m[1]);
    if (start >= size) {
      reply(416, { 'content-range': `bytes */${size}` });
      res.end();
      return;
    }
    reply(206, {
      'content-range': `bytes ${start}-${size - 1}/${size}`,
      'content-length': size - start,
      etag: file.etag,
    });
  } else {
    reply(200, { 'content-length': size, etag: file.etag, 'accept-ranges': 'bytes' });
  }
  const body = file.bytes.subarray(start);
  if (typeof behaviour === 'object' && 'drop' in behaviour) {
    // Part of the body, then the connection dies (the client sees a body shorter than content-length).
    res.write(body.subarray(0, behaviour.drop), () => res.socket?.destroy());
    return;
  }
  if (typeof behaviour === 'object' && 'stall' in behaviour) {
    // Part of the body, then nothing more until the client gives up.
    res.write(body.subarray(0, behaviour.stall));
    return;
  }
  res.end(body);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wb-download-'));
  model = readFileSync(writeTinyGguf(join(dir, 'source.gguf')));
  modelSha = sha(model);
  files.set('/models/tiny.gguf', { bytes: model, etag: '"v1"' });
  files.set('/models/page.gguf', { bytes: Buffer.from('<html>Sign in to continue</html>'.repeat(100)), etag: '"p"' });
  server = createServer(serve);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(dir, 'models-'));
  plan = [];
  log = [];
  files.set('/models/tiny.gguf', { bytes: model, etag: '"v1"' });
});

const options = (extra: Partial<Parameters<typeof downloadModel>[1]> = {}) => ({ dir: out, backoffMs: 1, ...extra });

describe('resolveModelUrl', () => {
  it('maps hf:owner/repo/file to the main branch on Hugging Face', () => {
    expect(resolveModelUrl('hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf')).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    );
    expect(resolveModelUrl('hf:a/b/sub dir/m.gguf')).toBe('https://huggingface.co/a/b/resolve/main/sub%20dir/m.gguf');
    expect(() => resolveModelUrl('hf:only/two')).toThrow(DownloadError);
    expect(() => resolveModelUrl('ftp://x/m.gguf')).toThrow(/http/);
    expect(() => resolveModelUrl('not a url')).toThrow(/not a URL/);
  });
});

describe('downloadModel', () => {
  it('survives a 503 and a dropped connection, resuming from the partial file', async () => {
    const dropAt = 300_000;
    plan = ['fail-503', { drop: dropAt }];
    const progress: number[] = [];
    const r = await downloadModel(
      `${base}/models/tiny.gguf`,
      options({ onProgress: (p) => progress.push(p.received) }),
    );
    expect(r).toMatchObject({ status: 'completed', bytes: model.length, total: model.length, sha256: modelSha });
    expect(r.retried).toBe(2);
    expect(readFileSync(r.path).equals(model)).toBe(true);
    expect(log.map((l) => l.status)).toEqual([503, 200, 206]);
    // The third request asks only for what the dropped one did not deliver, guarded by the ETag.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(log[2]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(dropAt);
    expect(log[2]!.ifRange).toBe('"v1"');
    expect(progress.at(-1)).toBe(model.length);
    expect(readdirSync(out)).toEqual(['tiny.gguf']);
  });

  it('pauses on abort, keeps the partial file and its state, and a later run resumes it', async () => {
    plan = [{ stall: 200_000 }];
    const stop = new AbortController();
    const first = await downloadModel(
      `${base}/models/tiny.gguf`,
      options({ sha256: modelSha, signal: stop.signal, onProgress: () => stop.abort() }),
    );
    expect(first.status).toBe('paused');
    const part = join(out, 'tiny.gguf.part');
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(model.length);
    expect(existsSync(join(out, 'tiny.gguf'))).toBe(false);
    const state = JSON.parse(readFileSync(`${part}.json`, 'utf8'));
    expect(state).toMatchObject({
      url: `${base}/models/tiny.gguf`,
      etag: '"v1"',
      size: model.length,
      sha256: modelSha,
    });

    // A new call (as after a restart of the app) continues from the partial file.
    const second = await downloadModel(`${base}/models/tiny.gguf`, options({ sha256: modelSha }));
    expect(second).toMatchObject({ status: 'completed', resumedFrom: kept, sha256: modelSha });
    expect(log.at(-1)).toMatchObject({ range: `bytes=${kept}-`, status: 206 });
    expect(readFileSync(second.path).equals(model)).toBe(true);
    expect(readdirSync(out)).toEqual(['tiny.gguf']);

    // Downloading it again finds it there.
    const third = await downloadModel(`${base}/models/tiny.gguf`, options({ sha256: modelSha }));
    expect(third.status).toBe('present');
  });

  it('starts over when the file changed on the server since the pause (If-Range)', async () => {
    plan = [{ stall: 100_000 }];
    const stop = new AbortController();
    await downloadModel(`${base}/models/tiny.gguf`, options({ signal: stop.signal, onProgress: () => stop.abort() }));
    const changed = readFileSync(writeTinyGguf(join(dir, 'changed.gguf'), { seed: 7 }));
    files.set('/models/tiny.gguf', { bytes: changed, etag: '"v2"' });
    const r = await downloadModel(`${base}/models/tiny.gguf`, options());
    expect(log.at(-1)).toMatchObject({ ifRange: '"v1"', status: 200 });
    expect(readFileSync(r.path).equals(changed)).toBe(true);
    expect(r.sha256).toBe(sha(changed));
  });

  it('a wrong checksum fails clearly and leaves nothing behind', async () => {
    const wrong = 'ab'.repeat(32);
    const error = await downloadModel(`${base}/models/tiny.gguf`, options({ sha256: wrong })).catch((e) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error.code).toBe('checksum');
    expect(error.message).toContain(modelSha);
    expect(error.message).toContain(wrong);
    expect(readdirSync(out)).toEqual([]);
    await expect(downloadModel(`${base}/models/tiny.gguf`, options({ sha256: 'xyz' }))).rejects.toThrow(/64 hex/);
  });

  it('rejects a file that is not a GGUF model (a login page, say)', async () => {
    const error = await downloadModel(`${base}/models/page.gguf`, options()).catch((e) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error.code).toBe('not-gguf');
    expect(readdirSync(out)).toEqual([]);
  });

  it('says what is wrong with a missing file, and gives up on a server that keeps failing', async () => {
    await expect(downloadModel(`${base}/models/nope.gguf`, options())).rejects.toThrow(/not found/);
    plan = ['fail-503', 'fail-503', 'fail-503', 'fail-503'];
    const error = await downloadModel(`${base}/models/tiny.gguf`, options({ retries: 2 })).catch((e) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error.message).toMatch(/503.*gave up after 2 retries/);
    expect(log.filter((l) => l.path === '/models/tiny.gguf')).toHaveLength(3);
    expect(existsSync(join(out, 'tiny.gguf'))).toBe(false);
  });

  it('refuses a second download of the same file while one runs, and takes over the lock of a dead one', async () => {
    plan = [{ stall: 100_000 }];
    const stop = new AbortController();
    let second: unknown = null;
    const first = downloadModel(
      `${base}/models/tiny.gguf`,
      options({
        signal: stop.signal,
        onProgress: () => {
          // While the first is receiving, a second one for the same file is refused.
          second ??= downloadModel(`${base}/models/tiny.gguf`, options()).catch((e) => e);
          stop.abort();
        },
      }),
    );
    expect((await first).status).toBe('paused');
    expect(await second).toMatchObject({ code: 'exists', message: expect.stringMatching(/already being downloaded/) });
    // A lock whose process is gone (a crash) does not block the next run.
    writeFileSync(join(out, 'tiny.gguf.part.lock'), '2147483646');
    expect((await downloadModel(`${base}/models/tiny.gguf`, options())).status).toBe('completed');
    expect(readdirSync(out)).toEqual(['tiny.gguf']);
  });

  it('does not overwrite an existing file that has another checksum', async () => {
    writeFileSync(join(out, 'tiny.gguf'), 'something else');
    const error = await downloadModel(`${base}/models/tiny.gguf`, options({ sha256: modelSha })).catch((e) => e);
    expect(error).toMatchObject({ code: 'exists' });
    expect(readFileSync(join(out, 'tiny.gguf'), 'utf8')).toBe('something else');
  });
});

describe('workbench model download (CLI)', () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
  // Asynchronous: the server answering the download runs in this process.
  const workbench = (...args: string[]) =>
    promisify(execFile)(process.execPath, [bin, ...args], { encoding: 'utf8' }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('downloads into the models folder, where `model list` finds it', async () => {
    plan = ['fail-503'];
    const r = await workbench(
      'model',
      'download',
      `${base}/models/tiny.gguf`,
      '--dir',
      out,
      '--sha256',
      modelSha,
      '--json',
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', sha256: modelSha, path: join(out, 'tiny.gguf') });
    const list = await workbench('model', 'list', '--dir', out, '--json');
    expect(JSON.parse(list.stdout).map((m: { fileName: string }) => m.fileName)).toEqual(['tiny.gguf']);
  });

  it('a wrong checksum is one plain line and exit code 2', async () => {
    const r = await workbench(
      'model',
      'download',
      `${base}/models/tiny.gguf`,
      '--dir',
      out,
      '--sha256',
      '0'.repeat(64),
    );
    expect(r).toMatchObject({ code: 2 });
    expect(r.stderr).toMatch(/^workbench: the downloaded file's SHA-256 is [0-9a-f]{64}, not the expected 0{64}/m);
    expect(readdirSync(out)).toEqual([]);
  });
});
