/** Heap limits per job kind (jobs/limits.ts): text imports get an old-space cap, XLSX and everything else do not. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workerResourceLimits } from '../src-main/core/jobs/limits.ts';

const dir = mkdtempSync(join(tmpdir(), 'wb-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('job worker heap limits', () => {
  it('caps the old space of a text import', () => {
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, 'order,customer\n1,a\n');
    expect(workerResourceLimits('import', { path: csv }).maxOldGenerationSizeMb).toBe(128);
  });

  it('leaves an XLSX import uncapped, told by its first bytes whatever its name or by the format option', () => {
    const zip = join(dir, 'export.csv');
    writeFileSync(zip, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    expect(workerResourceLimits('import', { path: zip }).maxOldGenerationSizeMb).toBeUndefined();
    const csv = join(dir, 'plain.csv');
    writeFileSync(csv, 'a,b\n');
    expect(workerResourceLimits('import', { path: csv, format: 'xlsx' }).maxOldGenerationSizeMb).toBeUndefined();
  });

  it('leaves unreadable files and other job kinds uncapped, with the small young generation for all', () => {
    expect(workerResourceLimits('import', { path: join(dir, 'missing.csv') }).maxOldGenerationSizeMb).toBeUndefined();
    const rfm = workerResourceLimits('rfm', {});
    expect(rfm.maxOldGenerationSizeMb).toBeUndefined();
    expect(rfm.maxYoungGenerationSizeMb).toBe(24);
  });
});
