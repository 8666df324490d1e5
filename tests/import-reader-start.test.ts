/**
 * Through the job runner a big file's reader thread is started before the import is planned (reader-thread.ts).
 * When the import then fails before reading, that thread must still be ended: otherwise the job's thread never
 * exits and the runner (the app, the CLI) waits on it for ever.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { THREAD_MIN_BYTES } from '../src-main/core/import/reader-thread.ts';
import { JobRunner } from '../src-main/core/jobs/runner.ts';
import { tempWorkspace } from './helpers/workspace.ts';

const ws = tempWorkspace();
afterAll(() => ws.cleanup());

function bigFile(name: string, header: string, line: (i: number) => string): string {
  const rows = [header];
  let bytes = header.length;
  for (let i = 0; bytes < THREAD_MIN_BYTES * 1.5; i++) {
    const l = line(i);
    rows.push(l);
    bytes += l.length + 1;
  }
  const path = join(ws.dir, name);
  writeFileSync(path, rows.join('\n'));
  return path;
}

describe('a reader thread started ahead', () => {
  it('is ended when the import fails in planning, and the job thread exits', async () => {
    const path = bigFile('unmapped.csv', 'alpha,beta,gamma', (i) => `${i},x${i % 7},${i * 3}`);
    const runner = new JobRunner(ws.path);
    const job = await runner.wait(runner.start('import', { path, kind: 'order-lines' }).id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/no column for/);
    await runner.close(); // resolves only once the job's thread has exited
  });

  it('reads the file when the import goes ahead', async () => {
    const path = bigFile(
      'lines.csv',
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      (i) =>
        `${700000 + Math.floor(i / 4)},S${i % 50},Item ${i % 50},${1 + (i % 3)},5/${1 + (i % 28)}/2011 9:00,2.50,${500 + (i % 90)},Japan`,
    );
    const runner = new JobRunner(ws.path);
    const job = await runner.wait(runner.start('import', { path }).id);
    await runner.close();
    expect(job.status).toBe('completed');
    const result = job.result as { rowsRead: number; rowsImported: number };
    const lines = ws.db.prepare('SELECT COUNT(*) FROM order_items').pluck().get() as number;
    expect(result.rowsImported).toBe(result.rowsRead);
    expect(lines).toBe(result.rowsRead);
  });
});
