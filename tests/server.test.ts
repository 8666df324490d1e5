import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src-main/server/index.ts';
import { CONTENT_SECURITY_POLICY } from '../src-main/server/security.ts';
import { StubService, stubJob, stubStats } from './helpers/stub-service.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, because fetch will not let us forge Host or send a path with raw `..`. */
function raw(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('browser-mode server', () => {
  let root: string;
  let staticDir: string;
  let uploadDir: string;
  let service: StubService;
  let server: RunningServer;
  let base: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mw-server-test-'));
    staticDir = join(root, 'renderer');
    uploadDir = join(root, 'uploads');
    await mkdir(join(staticDir, 'assets'), { recursive: true });
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Workbench</title>');
    await writeFile(join(staticDir, 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(join(staticDir, 'assets', 'app-1234.css'), 'body{}');
    await writeFile(join(root, 'secret.txt'), 'TOP SECRET');
    service = new StubService();
    server = await startServer({ service, port: 0, staticDir, uploadDir, limits: { upload: 1024 } });
    base = `http://127.0.0.1:${server.port}`;
    auth = { Authorization: `Bearer ${server.token}` };
  });

  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const callApi = (method: string, input: unknown, headers: Record<string, string> = auth) =>
    fetch(`${base}/api/call/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(input),
    });

  it('prints a tokenized loopback URL with a strong token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('rejects a missing or wrong token with 401', async () => {
    expect((await callApi('stats.get', {}, {})).status).toBe(401);
    expect((await callApi('stats.get', {}, { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=${server.token}x`, { redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
    expect((await fetch(`${base}/api/upload?name=a.csv`, { method: 'POST', body: 'x' })).status).toBe(401);
    expect(service.calls).toHaveLength(0);
  });

  it('rejects a foreign Host with 403 even with the token (DNS rebinding)', async () => {
    for (const host of ['evil.example:' + server.port, `127.0.0.1:${server.port + 1}`, '127.0.0.1', 'localhost']) {
      const res = await raw(server.port, '/api/call/stats.get', { ...auth, Host: host }, 'POST', '{}');
      expect(res.status, host).toBe(403);
    }
    const ok = await raw(server.port, '/', { ...auth, Host: `localhost:${server.port}` });
    expect(ok.status).toBe(200);
  });

  it('rejects a foreign Origin with 403, accepts our own', async () => {
    const post = (origin: string) =>
      raw(
        server.port,
        '/api/call/stats.get',
        { ...auth, Host: `127.0.0.1:${server.port}`, Origin: origin, 'Content-Type': 'application/json' },
        'POST',
        '{}',
      );
    expect((await post('http://evil.example')).status).toBe(403);
    expect((await post(`http://127.0.0.1:${server.port + 1}`)).status).toBe(403);
    expect((await post('null')).status).toBe(403);
    expect((await post(`http://localhost:${server.port}`)).status).toBe(200);
  });

  it('answers a good call with 200 and the output', async () => {
    const res = await callApi('stats.get', {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual(stubStats);
  });

  it('answers invalid input with 400 and a message', async () => {
    const res = await callApi('jobs.get', { jobId: 42 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.message).toMatch(/jobId/);

    const bad = await fetch(`${base}/api/call/stats.get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: '{nope',
    });
    expect(bad.status).toBe(400);
  });

  it('maps unknown methods to 404 and failures to 500 without a stack', async () => {
    const missing = await callApi('no.such', {});
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const failed = await callApi('jobs.get', { jobId: 'boom' });
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'failed', message: 'disk on fire' } });
    expect(text).not.toMatch(/at .*\.ts/);
  });

  it('refuses bodies over 1 MB and non-JSON content types', async () => {
    const big = await callApi('stats.get', { pad: 'x'.repeat(1024 * 1024 + 10) });
    expect(big.status).toBe(413);
    const form = await fetch(`${base}/api/call/stats.get`, { method: 'POST', headers: auth, body: 'a=1' });
    expect(form.status).toBe(415);
  });

  it('streams job events over SSE and unsubscribes on close', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events`, { headers: auth, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    await expect.poll(() => service.listenerCount).toBe(1);
    const job = stubJob({ status: 'completed', done: 100, finishedAt: Date.now() });
    service.emit({ type: 'job', job });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('\n\ndata:') && !/^data:.*\n\n/m.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    const line = text.split('\n').find((l) => l.startsWith('data: '));
    expect(JSON.parse(line!.slice(6))).toEqual({ type: 'job', job });
    controller.abort();
    await expect.poll(() => service.listenerCount).toBe(0);
  });

  it('accepts the token as a query parameter for EventSource', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events?token=${server.token}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
  });

  it('stores an upload in the upload folder and returns its path', async () => {
    const content = 'order_id,amount\n1,9.5\n';
    const res = await fetch(`${base}/api/upload?name=${encodeURIComponent('../../orders 2024.csv')}`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' },
      body: content,
    });
    expect(res.status).toBe(200);
    const { path } = (await res.json()) as { path: string };
    expect(relative(uploadDir, path).startsWith('..')).toBe(false);
    expect(path.endsWith('orders 2024.csv')).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('refuses an upload over the limit', async () => {
    const res = await fetch(`${base}/api/upload?name=big.csv`, {
      method: 'POST',
      headers: auth,
      body: 'x'.repeat(2048),
    });
    expect(res.status).toBe(413);
  });

  it('sets the cookie on the tokenized page load and serves assets with it', async () => {
    const first = await fetch(server.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const cookieHeader = { Cookie: cookie.split(';')[0]! };
    const page = await fetch(`${base}/`, { headers: cookieHeader });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await fetch(`${base}/assets/app-1234.js`, { headers: cookieHeader });
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    const css = await fetch(`${base}/assets/app-1234.css`, { headers: cookieHeader });
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    // SPA fallback for routes, 404 for missing assets.
    expect(await (await fetch(`${base}/import`, { headers: cookieHeader })).text()).toMatch(/Workbench/);
    expect((await fetch(`${base}/assets/missing.js`, { headers: cookieHeader })).status).toBe(404);
  });

  it('never redirects off the server', async () => {
    const res = await raw(server.port, `//evil.example/x?token=${server.token}`, {
      Host: `127.0.0.1:${server.port}`,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/x');
  });

  it('blocks path traversal', async () => {
    const paths = [
      '/../secret.txt',
      '/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/.%00./secret.txt',
    ];
    for (const path of paths) {
      const res = await raw(server.port, path, { ...auth, Host: `127.0.0.1:${server.port}` });
      expect(res.body, path).not.toContain('TOP SECRET');
      expect([400, 403, 404], path).toContain(res.status);
    }
  });
});
