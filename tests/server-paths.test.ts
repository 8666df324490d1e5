// Browser mode's file paths: the page may name files only in the workspace folder, its uploads and the models
// folder (and .gguf models by path); an import of any other file or a report written anywhere else is refused
// with 422 before the core sees it. Real server, real WorkspaceHost over a SQLite workspace, real uploads.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkspaceHost } from '../src-main/core/workspaces/host.ts';
import { browserPathCheck } from '../src-main/server/paths.ts';
import { startServer, type RunningServer } from '../src-main/server/server.ts';

let root: string;
let workspaces: string;
let uploads: string;
let models: string;
let outside: string;
let host: WorkspaceHost;
let server: RunningServer;

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'mw-server-paths-')));
  workspaces = join(root, 'workspaces');
  uploads = join(root, 'uploads');
  models = join(root, 'models');
  outside = join(root, 'home');
  const staticDir = join(root, 'renderer');
  for (const d of [workspaces, uploads, models, outside, staticDir]) mkdirSync(d, { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Workbench</title>');
  writeFileSync(join(outside, 'secret.csv'), 'customer_id,note\nC1,TOP SECRET\n');
  symlinkSync(join(outside, 'secret.csv'), join(workspaces, 'linked.csv'));
  host = new WorkspaceHost({
    folder: workspaces,
    initial: join(workspaces, 'shop.db'),
    serviceOptions: { modelsDir: models },
  });
  const checkPaths = browserPathCheck({
    workspaces: () => host.folder,
    models: () => host.service.modelsDir,
    uploads,
    openWorkspace: () => host.service.dbPath,
  });
  server = await startServer({ service: host, port: 0, staticDir, uploadDir: uploads, checkPaths });
});

afterAll(async () => {
  await server.close();
  await host.close();
  rmSync(root, { recursive: true, force: true });
});

async function call(method: string, input: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: await res.json() };
}

describe('browser mode paths', () => {
  it('refuses to import a file the page names outside the app folders, even through a symlink', async () => {
    for (const path of [
      join(outside, 'secret.csv'),
      join(workspaces, 'linked.csv'),
      `${workspaces}/../home/secret.csv`,
    ]) {
      const res = await call('import.preview', { path });
      expect(res.status, path).toBe(422);
      expect(res.body, path).toMatchObject({ error: { code: 'rejected', message: expect.stringMatching(/upload/) } });
      expect(JSON.stringify(res.body)).not.toContain('TOP SECRET');
    }
  });

  it('previews an uploaded file', async () => {
    const up = await fetch(`http://127.0.0.1:${server.port}/api/upload?name=orders.csv`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream' },
      body: 'order_id,customer_id,order_date,amount\nO1,C1,2024-01-02,10.5\n',
    });
    const { path } = (await up.json()) as { path: string };
    const res = await call('import.preview', { path });
    expect(res.status).toBe(200);
    expect((res.body as { header: string[] }).header).toEqual(['order_id', 'customer_id', 'order_date', 'amount']);
  });

  it('never writes a report outside the workspace folder, nor over a non-report file', async () => {
    for (const out of [join(outside, 'report.html'), join(outside, '.bashrc'), join(workspaces, 'shop.db')]) {
      const res = await call('report.create', { format: 'html', out });
      expect(res.status, out).toBe(422);
      expect(res.body, out).toMatchObject({ error: { code: 'rejected' } });
    }
    // Beside the workspace (the default when `out` is left out) is fine: the call reaches the core and starts a job.
    const ok = await call('report.create', { format: 'html', out: join(workspaces, 'report.html') });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ jobId: expect.any(String) });
    await host.service.jobs.wait((ok.body as { jobId: string }).jobId);
  });

  it('lets the model manager name a .gguf anywhere, but not other files', async () => {
    // Not a real model: the core answers (a rejection about the GGUF), which shows the path got through.
    writeFileSync(join(outside, 'not-really.gguf'), 'nope');
    const gguf = await call('llm.add', { path: join(outside, 'not-really.gguf') });
    expect(gguf.body).toMatchObject({ error: { code: 'rejected', message: expect.not.stringMatching(/upload/) } });
    const other = await call('llm.add', { path: join(outside, 'secret.csv') });
    expect(other).toMatchObject({ status: 422, body: { error: { message: expect.stringMatching(/upload/) } } });
  });
});
