import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAppRequest } from '../src-main/electron/app-protocol.ts';
import { guardIpc, UntrustedSenderError, type IpcEventLike } from '../src-main/electron/ipc-guard.ts';
import {
  APP_URL,
  isAllowedExternalUrl,
  isAllowedNavigation,
  isAppUrl,
  windowOpenDecision,
} from '../src-main/electron/trust.ts';
import { createWindowOptions } from '../src-main/electron/window.ts';
import { chooseWorkspace, rememberWorkspace, SAMPLE_WORKSPACE, STATE_FILE } from '../src-main/electron/workspaces.ts';
import { CONTENT_SECURITY_POLICY } from '../src-main/server/security.ts';
import { StubService, stubStats } from './helpers/stub-service.ts';

const frame = (url: string, parent: unknown = null): IpcEventLike => ({ senderFrame: { url, parent } });

describe('createWindowOptions', () => {
  it('locks the renderer down', () => {
    const o = createWindowOptions({ preloadPath: '/app/out/preload/preload.cjs' });
    expect(o.webPreferences).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
    expect(o.show).toBe(false);
  });

  it('opens DevTools only when asked (development)', () => {
    expect(createWindowOptions({ preloadPath: 'p', devTools: true }).webPreferences.devTools).toBe(true);
  });

  it('is a pure function: fresh objects each call', () => {
    const a = createWindowOptions({ preloadPath: 'p' });
    const b = createWindowOptions({ preloadPath: 'p' });
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(a.webPreferences).not.toBe(b.webPreferences);
  });
});

describe('trust', () => {
  const dev = { devServerUrl: 'http://localhost:5173' };

  it('knows our app URLs', () => {
    expect(isAppUrl(APP_URL)).toBe(true);
    expect(isAppUrl('app://workbench/assets/index.js')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('app://user:pw@workbench/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/', dev)).toBe(false);
    expect(isAppUrl('file:///etc/passwd', dev)).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('denies navigation away from the app', () => {
    expect(isAllowedNavigation('app://workbench/index.html')).toBe(true);
    expect(isAllowedNavigation('https://evil.example/')).toBe(false);
    expect(isAllowedNavigation('file:///C:/Windows/')).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)')).toBe(false);
  });

  it('opens only allowlisted https URLs externally', () => {
    expect(isAllowedExternalUrl('https://github.com/some/repo')).toBe(true);
    expect(isAllowedExternalUrl('http://github.com/')).toBe(false);
    expect(isAllowedExternalUrl('https://github.com.evil.example/')).toBe(false);
    expect(isAllowedExternalUrl('https://user@github.com/')).toBe(false);
    expect(isAllowedExternalUrl('https://github.com:8443/')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternalUrl('smb://github.com/share')).toBe(false);
    expect(isAllowedExternalUrl('https://docs.example.com/', ['docs.example.com'])).toBe(true);
  });

  it('never opens a new Electron window', () => {
    expect(windowOpenDecision('https://github.com/x')).toEqual({ action: 'deny', openExternal: true });
    expect(windowOpenDecision('https://evil.example/')).toEqual({ action: 'deny', openExternal: false });
  });
});

describe('guardIpc', () => {
  const service = new StubService();
  const handler = guardIpc({ service: () => service, trusted: {}, paths: null });

  it('serves a call from the app and validates through the service', async () => {
    expect(await handler(frame('app://workbench/index.html'), 'stats.get', {})).toEqual({ ok: true, value: stubStats });
  });

  it('returns contract errors as an envelope with their code', async () => {
    const bad = await handler(frame(APP_URL), 'jobs.get', { jobId: 7 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const missing = await handler(frame(APP_URL), 'nope.nope', {});
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const failed = await handler(frame(APP_URL), 'jobs.get', { jobId: 'boom' });
    expect(failed).toEqual({ ok: false, error: { code: 'failed', message: 'disk on fire' } });
  });

  it('rejects a non-string method without calling the service', async () => {
    const before = service.calls.length;
    expect(await handler(frame(APP_URL), { toString: () => 'stats.get' }, {})).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(service.calls.length).toBe(before);
  });

  it('refuses foreign senders, gone frames and subframes', async () => {
    const before = service.calls.length;
    await expect(handler(frame('https://evil.example/'), 'stats.get', {})).rejects.toBeInstanceOf(UntrustedSenderError);
    await expect(handler(frame('http://localhost:5173/'), 'stats.get', {})).rejects.toThrow(/untrusted/);
    await expect(handler({ senderFrame: null }, 'stats.get', {})).rejects.toThrow(/gone/);
    await expect(handler(frame(APP_URL, { url: APP_URL }), 'stats.get', {})).rejects.toThrow(/subframe/);
    expect(service.calls.length).toBe(before);
  });

  it('trusts the dev server only when configured', async () => {
    const devHandler = guardIpc({
      service: () => service,
      trusted: { devServerUrl: 'http://localhost:5173' },
      paths: null,
    });
    expect(await devHandler(frame('http://localhost:5173/#/import'), 'stats.get', {})).toMatchObject({ ok: true });
    await expect(devHandler(frame('http://localhost:9999/'), 'stats.get', {})).rejects.toThrow(/untrusted/);
  });

  it('follows the current service (workspace switch)', async () => {
    let current = new StubService();
    const switching = guardIpc({ service: () => current, trusted: {}, paths: null });
    await switching(frame(APP_URL), 'stats.get', {});
    const next = new StubService();
    current = next;
    await switching(frame(APP_URL), 'stats.get', {});
    expect(next.calls).toHaveLength(1);
  });
});

describe('app:// protocol', () => {
  let root: string;
  let rendererDir: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mw-app-protocol-'));
    rendererDir = join(root, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(rendererDir, 'assets', 'index-1.js'), 'export {}');
    writeFileSync(join(root, 'secret.txt'), 'TOP SECRET');
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves the renderer with CSP and content types', async () => {
    const page = await serveAppRequest('app://workbench/index.html', rendererDir);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await serveAppRequest('app://workbench/assets/index-1.js', rendererDir);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('blocks traversal and other hosts', async () => {
    for (const url of [
      'app://workbench/../secret.txt',
      'app://workbench/%2e%2e/secret.txt',
      'app://workbench/assets/..%2f..%2fsecret.txt',
      'app://other/index.html',
    ]) {
      const res = await serveAppRequest(url, rendererDir);
      expect(await res.text(), url).not.toContain('TOP SECRET');
      expect([403, 404], url).toContain(res.status);
    }
  });
});

describe('workspaces', () => {
  let userData: string;

  beforeAll(() => {
    userData = mkdtempSync(join(tmpdir(), 'mw-userdata-'));
  });

  afterAll(() => rmSync(userData, { recursive: true, force: true }));

  it('picks the sample shop on first launch, then the remembered workspace', () => {
    const first = chooseWorkspace(userData);
    expect(first).toEqual({ path: join(userData, 'workspaces', SAMPLE_WORKSPACE), isSample: true, created: true });

    const other = join(userData, 'workspaces', 'my-shop.db');
    writeFileSync(other, '');
    rememberWorkspace(userData, other);
    expect(JSON.parse(readFileSync(join(userData, STATE_FILE), 'utf8'))).toEqual({ lastWorkspace: other });
    expect(chooseWorkspace(userData)).toEqual({ path: other, isSample: false, created: false });
    expect(readdirSync(userData).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('falls back to the sample shop when the remembered file is gone or the state is corrupt', () => {
    rememberWorkspace(userData, join(userData, 'deleted.db'));
    expect(chooseWorkspace(userData).isSample).toBe(true);
    writeFileSync(join(userData, STATE_FILE), '{not json');
    expect(chooseWorkspace(userData).isSample).toBe(true);
  });
});

describe('module boundaries', () => {
  it('keeps electron imports out of the tested modules', () => {
    const dir = join(import.meta.dirname, '..', 'src-main', 'electron');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"]electron['"]/);
    }
  });
});
