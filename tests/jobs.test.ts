import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobState } from '../src-main/core/api/contract.ts';
import { ApiError, WorkbenchService } from '../src-main/core/api/service.ts';
import { fixture, tempWorkspace } from './helpers/workspace.ts';

let ws: ReturnType<typeof tempWorkspace>;
let service: WorkbenchService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  ws?.cleanup();
});

function bigOrderLines(dir: string, n: number): string {
  const path = join(dir, 'big.csv');
  const lines = ['InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID'];
  for (let i = 0; i < n; i++)
    lines.push(
      `${800000 + (i >> 4)},K${i % 251},${1 + (i % 3)},2011-02-${String(1 + (i % 28)).padStart(2, '0')},2.5,${i % 900}`,
    );
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('jobs through the service (worker threads)', () => {
  it('an import reports progress with rate and ETA, then its result', async () => {
    ws = tempWorkspace();
    ws.db.close();
    service = new WorkbenchService(ws.path);
    const file = bigOrderLines(ws.dir, 60_000);
    const updates: JobState[] = [];
    service.onJob((e) => updates.push(e.job));
    const { jobId } = await service.invoke('import.start', { path: file });
    const done = await service.jobs.wait(jobId);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ rowsImported: 60_000 });
    const running = updates.filter((u) => u.status === 'running' && u.done > 0);
    expect(running.length).toBeGreaterThan(0);
    expect(running.at(-1)!.total).toBeGreaterThan(0);
    expect(updates.at(-1)!.status).toBe('completed');
    const stats = await service.invoke('stats.get', {});
    expect(stats.orderItems).toBe(60_000);
  });

  it('cancel stops an import and rolls it back', async () => {
    ws = tempWorkspace();
    ws.db.close();
    service = new WorkbenchService(ws.path);
    const first = await service.invoke('import.start', { path: fixture('online-retail.csv') });
    await service.jobs.wait(first.jobId);
    const before = await service.invoke('stats.get', {});
    const file = bigOrderLines(ws.dir, 200_000);
    let jobId = '';
    service.onJob((e) => {
      if (e.job.id === jobId && e.job.status === 'running' && e.job.done > 0)
        void service!.invoke('jobs.cancel', { jobId });
    });
    ({ jobId } = await service.invoke('import.start', { path: file }));
    const done = await service.jobs.wait(jobId);
    expect(done.status).toBe('cancelled');
    expect(await service.invoke('stats.get', {})).toEqual(before);
  });

  it('jobs queue: a second writer waits for the first', async () => {
    ws = tempWorkspace();
    ws.db.close();
    service = new WorkbenchService(ws.path);
    const a = await service.invoke('import.start', { path: fixture('online-retail.csv') });
    const b = await service.invoke('import.start', {
      path: fixture('ratings-headerless.tsv'),
      kind: 'ratings',
      columns: ['user', 'item', 'rating', 'timestamp'],
    });
    expect(service.jobs.get(b.jobId)!.status).toBe('queued');
    const [ja, jb] = await Promise.all([service.jobs.wait(a.jobId), service.jobs.wait(b.jobId)]);
    expect(ja.finishedAt!).toBeLessThanOrEqual(jb.startedAt);
    expect(jb.status).toBe('completed');
  });

  it('a failing job reports its error; bad input is refused at the door', async () => {
    ws = tempWorkspace();
    ws.db.close();
    service = new WorkbenchService(ws.path);
    const { jobId } = await service.invoke('import.start', { path: join(ws.dir, 'missing.csv') });
    const done = await service.jobs.wait(jobId);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/missing\.csv/);
    await expect(service.call('import.start', { path: 42 })).rejects.toThrow(ApiError);
    await expect(service.call('no.such', {})).rejects.toThrow(/unknown method/);
  });
});
