// Switching workspaces behind a door: the host answers workspaces.* itself and routes everything else to the open
// workspace; listeners survive a switch; only the workspace folder can be opened.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../src-main/core/api/contract.ts';
import { WorkspaceHost } from '../src-main/core/workspaces/host.ts';

let dir: string;
let host: WorkspaceHost;
let events: ServerEvent[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-host-'));
  host = new WorkspaceHost({ folder: dir, initial: join(dir, 'main.db') });
  events = [];
  host.onEvent((e) => events.push(e));
});
afterEach(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

const stats = async () => (await host.call('stats.get', {})) as { customers: number };

describe('workspace host', () => {
  it('lists the folder, creates a workspace with the sample shop and switches to it', async () => {
    expect(await host.call('workspaces.list', {})).toMatchObject({
      folder: dir,
      current: join(dir, 'main.db'),
      workspaces: [{ name: 'main', current: true }],
    });
    const created = (await host.call('workspaces.create', { name: '春季 test', sample: true })) as {
      current: string;
      jobId: string;
    };
    expect(created.current).toBe(join(dir, '春季 test.db'));
    expect(events).toContainEqual({ type: 'workspace', path: join(dir, '春季 test.db') });
    // The sample job runs in the new workspace and its events reach the listener registered before the switch.
    const done = await host.service.jobs.wait(created.jobId);
    expect(done.status).toBe('completed');
    expect(events.some((e) => e.type === 'job' && e.job.id === created.jobId)).toBe(true);
    expect((await stats()).customers).toBeGreaterThan(0);

    await host.call('workspaces.open', { path: join(dir, 'main.db') });
    expect((await stats()).customers).toBe(0);
    const names = ((await host.call('workspaces.list', {})) as { workspaces: { name: string }[] }).workspaces;
    expect(names.map((w) => w.name)).toEqual(['main', '春季 test']);
  });

  it('cancels the old workspace jobs when another opens', async () => {
    const { jobId } = (await host.call('sample.start', { customers: 50_000 })) as { jobId: string };
    const old = host.service;
    await host.call('workspaces.create', { name: 'other', sample: false });
    expect((await old.jobs.wait(jobId)).status).toBe('cancelled');
    expect((await stats()).customers).toBe(0);
  });

  it('refuses paths outside its folder, bad names, duplicates and files that are not workspaces', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'wb-outside-'));
    try {
      await expect(host.call('workspaces.open', { path: join(outside, 'x.db') })).rejects.toThrow(/open from/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    await expect(host.call('workspaces.create', { name: '../escape' })).rejects.toThrow(/workspace name/);
    await expect(host.call('workspaces.create', { name: 'main' })).rejects.toThrow(/already exists/);
    writeFileSync(join(dir, 'junk.db'), 'not sqlite at all, just text');
    await expect(host.call('workspaces.open', { path: join(dir, 'junk.db') })).rejects.toThrow(/not a workspace/);
    // The failed open left the current workspace in place.
    expect(((await host.call('workspaces.list', {})) as { current: string }).current).toBe(join(dir, 'main.db'));
  });
});
