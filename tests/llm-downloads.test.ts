// Model downloads from the model manager, through the API contract as the view uses them, against a real HTTP server
// in the test that serves a generated tiny GGUF with Range support. The server can hold a response half-way, so
// "pause mid-way" is a known byte count, not a race. A second service on the same models folder plays the restarted
// app: the paused download is listed again and resumes with a Range request for the rest.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../src-main/core/api/contract.ts';
import { ApiError, WorkbenchService } from '../src-main/core/api/service.ts';
import { makeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

type DownloadEvent = Extract<ServerEvent, { type: 'download' }>['download'];

const gguf = makeTinyGguf();
const sha256 = createHash('sha256').update(gguf).digest('hex');
const HALF = Math.floor(gguf.length / 2);

interface Served {
  path: string;
  range: string | null;
  status: number;
}

let dir: string;
let server: Server;
let base: string;
const served: Served[] = [];
/** Responses for /held.gguf stop after HALF bytes until this is called (or the client goes away). */
let release: (() => void) | null = null;
/** /flaky.gguf answers 503 this many more times before it serves the file. */
let flakyFailures = 0;

function serve(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '';
  const range = req.headers.range ?? null;
  const record = (status: number) => served.push({ path, range, status });
  if (path === '/flaky.gguf' && flakyFailures > 0) {
    flakyFailures--;
    record(503);
    res.writeHead(503).end('busy');
    return;
  }
  if (!['/held.gguf', '/flaky.gguf', '/plain.gguf'].includes(path)) {
    record(404);
    res.writeHead(404).end();
    return;
  }
  const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
  const start = m ? Number(m[1]) : 0;
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    etag: `"${sha256.slice(0, 16)}"`,
    'accept-ranges': 'bytes',
    'content-length': gguf.length - start,
  };
  if (m) headers['content-range'] = `bytes ${start}-${gguf.length - 1}/${gguf.length}`;
  const status = m ? 206 : 200;
  record(status);
  res.writeHead(status, headers);
  if (path === '/held.gguf' && start < HALF) {
    res.write(gguf.subarray(start, HALF));
    release = () => {
      release = null;
      res.end(gguf.subarray(HALF));
    };
    res.on('close', () => (release = null));
    return;
  }
  res.end(gguf.subarray(start));
}

const modelsDir = () => join(dir, 'models');
const openService = () =>
  new WorkbenchService(join(dir, 'shop.db'), {
    modelsDir: modelsDir(),
    llm: { gpu: false, threads: 1, contextSize: 1024, downloads: { backoffMs: 5, retries: 3, progressEveryMs: 0 } },
  });

/** Resolves with the first download event for `id` that `match` accepts. */
function waitFor(svc: WorkbenchService, id: string, match: (d: DownloadEvent) => boolean): Promise<DownloadEvent> {
  return new Promise((resolve) => {
    const off = svc.onEvent((e) => {
      if (e.type === 'download' && e.download.id === id && match(e.download)) {
        off();
        resolve(e.download);
      }
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wb-dl-'));
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  served.length = 0;
  release?.();
});

describe('model downloads from the model manager', () => {
  it('pauses mid-way, survives a restart as paused, resumes with a Range request, verifies the checksum', async () => {
    let svc = openService();
    const started = waitFor(svc, 'held.gguf', (d) => d.received === HALF);
    const first = await svc.invoke('llm.download.start', { url: `${base}/held.gguf`, sha256 });
    expect(first).toMatchObject({ id: 'held.gguf', status: 'downloading', sha256 });
    const midway = await started;
    expect(midway).toMatchObject({ status: 'downloading', total: gguf.length });

    const paused = await svc.invoke('llm.download.pause', { id: 'held.gguf' });
    expect(paused).toMatchObject({ status: 'paused', received: HALF, total: gguf.length });
    expect(statSync(join(modelsDir(), 'held.gguf.part')).size).toBe(HALF);
    expect(existsSync(join(modelsDir(), 'held.gguf'))).toBe(false);
    // Not a model yet: the library lists only whole files.
    expect((await svc.invoke('llm.models', {})).models).toEqual([]);
    await svc.close();

    // The app restarts: the partial download is found on disk, with the URL and checksum it was started with.
    svc = openService();
    // Paused by the merchant, so not `interrupted`: the model manager waits for Resume.
    expect(await svc.invoke('llm.download.list', {})).toEqual([
      expect.objectContaining({
        id: 'held.gguf',
        status: 'paused',
        received: HALF,
        total: gguf.length,
        sha256,
        interrupted: false,
      }),
    ]);
    const completed = waitFor(svc, 'held.gguf', (d) => d.status === 'completed' || d.status === 'failed');
    served.length = 0;
    const resumed = await svc.invoke('llm.download.resume', { id: 'held.gguf' });
    expect(resumed).toMatchObject({ status: 'downloading', received: HALF });
    const done = await completed;
    expect(done).toMatchObject({ status: 'completed', received: gguf.length, sha256 });
    // Only the rest was asked for.
    expect(served).toEqual([{ path: '/held.gguf', range: `bytes=${HALF}-`, status: 206 }]);
    expect(existsSync(join(modelsDir(), 'held.gguf.part'))).toBe(false);
    const library = await svc.invoke('llm.models', {});
    expect(library.models).toEqual([
      expect.objectContaining({
        fileName: 'held.gguf',
        error: null,
        header: expect.objectContaining({ architecture: 'llama' }),
      }),
    ]);
    expect(await svc.invoke('llm.download.list', {})).toEqual([expect.objectContaining({ status: 'completed' })]);
    await expect(svc.invoke('llm.download.start', { url: `${base}/held.gguf` })).rejects.toThrow(
      /already in the models folder/,
    );
    await svc.close();
  });

  it('a download cut off by closing the app is listed as interrupted, and resumes from its partial file', async () => {
    let svc = openService();
    const midway = waitFor(svc, 'quit.gguf', (d) => d.received === HALF);
    await svc.invoke('llm.download.start', { url: `${base}/held.gguf`, fileName: 'quit.gguf' });
    await midway;
    await svc.close();
    svc = openService();
    // Only partial files outlive the process: what finished before is in the model library, not in this list.
    expect(await svc.invoke('llm.download.list', {})).toEqual([
      expect.objectContaining({ id: 'quit.gguf', status: 'paused', received: HALF, interrupted: true }),
    ]);
    const done = waitFor(svc, 'quit.gguf', (d) => d.status === 'completed' || d.status === 'failed');
    served.length = 0;
    await svc.invoke('llm.download.resume', { id: 'quit.gguf' });
    expect(await done).toMatchObject({ status: 'completed', sha256 });
    expect(served.map((s) => s.range)).toEqual([`bytes=${HALF}-`]);
    await svc.close();
  });

  it('retries a busy server with back-off; a wrong checksum fails and keeps nothing', async () => {
    const svc = openService();
    flakyFailures = 2;
    const retrying = waitFor(svc, 'flaky.gguf', (d) => d.status === 'retrying');
    const flakyDone = waitFor(svc, 'flaky.gguf', (d) => d.status === 'completed' || d.status === 'failed');
    await svc.invoke('llm.download.start', { url: `${base}/flaky.gguf` });
    expect((await retrying).error).toMatch(/503; retry 1/);
    expect(await flakyDone).toMatchObject({ status: 'completed', retried: 2, sha256 });
    expect(served.map((s) => s.status)).toEqual([503, 503, 200]);

    const wrong = 'f'.repeat(64);
    const failed = waitFor(svc, 'plain.gguf', (d) => d.status === 'completed' || d.status === 'failed');
    await svc.invoke('llm.download.start', { url: `${base}/plain.gguf`, sha256: wrong });
    expect((await failed).error).toMatch(/SHA-256 is [0-9a-f]{64}, not the expected f{64}/);
    expect(existsSync(join(modelsDir(), 'plain.gguf'))).toBe(false);
    expect(existsSync(join(modelsDir(), 'plain.gguf.part'))).toBe(false);
    await svc.close();
  });

  it('cancel deletes the partial file; bad requests are clear errors', async () => {
    const svc = openService();
    // held.gguf is in the folder since the first test: the same URL under another name.
    const second = waitFor(svc, 'again.gguf', (d) => d.received === HALF);
    await svc.invoke('llm.download.start', { url: `${base}/held.gguf`, fileName: 'again.gguf' });
    await second;
    const cancelled = waitFor(svc, 'again.gguf', (d) => d.status === 'cancelled');
    expect(await svc.invoke('llm.download.cancel', { id: 'again.gguf' })).toEqual({ cancelled: true });
    await cancelled;
    expect(existsSync(join(modelsDir(), 'again.gguf.part'))).toBe(false);
    expect(existsSync(join(modelsDir(), 'again.gguf.part.json'))).toBe(false);
    expect((await svc.invoke('llm.download.list', {})).map((d) => d.id)).not.toContain('again.gguf');

    await expect(svc.invoke('llm.download.start', { url: 'ftp://example.com/m.gguf' })).rejects.toThrow(
      /only http\(s\) and hf:/,
    );
    await expect(svc.invoke('llm.download.start', { url: `${base}/readme.txt` })).rejects.toThrow(/not a \.gguf/);
    await expect(svc.invoke('llm.download.start', { url: `${base}/x.gguf`, sha256: 'abc' })).rejects.toThrow(ApiError);
    await expect(svc.invoke('llm.download.resume', { id: 'nothing.gguf' })).rejects.toThrow(/no paused download/);
    const missing = waitFor(svc, 'missing.gguf', (d) => d.status === 'failed');
    await svc.invoke('llm.download.start', { url: `${base}/missing.gguf` });
    expect((await missing).error).toMatch(/not found/);
    await svc.close();
  });
});
