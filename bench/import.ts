/**
 * Import speed against SQLite's own CSV loader on the same file, in the same run:
 * our import (typing, validation, the split into customers/products/orders/items,
 * upserts, one transaction) vs `sqlite3 .import` into one untyped table.
 * Usage: npm run bench -- import [lines=1000000] [repeats=3] [--scale10]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const lines = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const repeats = Number(args.filter((a) => /^\d+$/.test(a))[1] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'wb-bench-import-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** An Online-Retail-layout file: ~4k customers, ~4k SKUs, orders of ~20 lines, 2% returns. */
async function writeOrderLines(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n');
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const order = 500000 + Math.floor(i / 20);
    const ret = order % 50 === 0;
    const sku = 10000 + Math.floor(rand() * 4000);
    const day = 1 + (Math.floor(i / 20) % 28);
    const month = 1 + (Math.floor(i / 60000) % 12);
    const qty = 1 + Math.floor(rand() * 12);
    chunk += `${ret ? 'C' : ''}${order},${sku},PRODUCT ${sku} "DESC",${ret ? -qty : qty},${month}/${day}/2011 ${8 + (i % 10)}:${String(i % 60).padStart(2, '0')},${(1 + (sku % 50) / 10).toFixed(2)},${12000 + (order % 4000)},United Kingdom\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.on('finish', () => r()));
}

// CPU seconds too where GNU time is there: on a machine other jobs share, wall time swings
// with the load, CPU time much less.
const gnuTime = existsSync('/usr/bin/time');

function sqliteImport(file: string): { wall: number; cpu: number | null } {
  const db = join(dir, `sqlite-${Math.random().toString(36).slice(2)}.db`);
  const args = [db, '.mode csv', `.import ${file} lines`];
  const t0 = performance.now();
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', 'sqlite3', ...args], { encoding: 'utf8' })
    : spawnSync('sqlite3', args, { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`sqlite3 failed (is Debian's sqlite3 installed?): ${r.stderr || r.error}`);
  rmSync(db, { force: true });
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { wall, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : null };
}

function ourImport(file: string): {
  seconds: number;
  wall: number;
  cpu: number;
  maxRssMb: number;
  rowsImported: number;
} {
  const db = join(dir, `wb-${Math.random().toString(36).slice(2)}.db`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(import.meta.dirname, 'import-child.ts'), file, db], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as {
    seconds: number;
    cpuSeconds: number;
    maxRssMb: number;
    result: { rowsImported: number };
  };
  rmSync(db, { force: true });
  rmSync(`${db}-wal`, { force: true });
  rmSync(`${db}-shm`, { force: true });
  return {
    seconds: out.seconds,
    wall,
    cpu: out.cpuSeconds,
    maxRssMb: out.maxRssMb,
    rowsImported: out.result.rowsImported,
  };
}

async function measure(n: number): Promise<{ ratio: number; rss: number }> {
  const file = join(dir, `lines-${n}.csv`);
  await writeOrderLines(file, n);
  console.log(`\n${n.toLocaleString('en-US')} order lines, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  const ours: ReturnType<typeof ourImport>[] = [];
  const theirs: ReturnType<typeof sqliteImport>[] = [];
  for (let i = 0; i < repeats; i++) {
    theirs.push(sqliteImport(file));
    ours.push(ourImport(file));
  }
  const ourWall = median(ours.map((o) => o.wall));
  const sqlite = median(theirs.map((t) => t.wall));
  const sqliteCpu = theirs.every((t) => t.cpu !== null) ? median(theirs.map((t) => t.cpu!)) : null;
  const ourCpu = median(ours.map((o) => o.cpu));
  const rss = Math.max(...ours.map((o) => o.maxRssMb));
  console.log(`sqlite3 .import      median ${sqlite.toFixed(2)} s  (${(n / sqlite / 1000).toFixed(0)}k rows/s)`);
  console.log(
    `workbench import     median ${ourWall.toFixed(2)} s wall, ${median(ours.map((o) => o.seconds)).toFixed(2)} s in import  (${(n / ourWall / 1000).toFixed(0)}k rows/s), ${ours[0]!.rowsImported} rows imported`,
  );
  // Each repeat runs the two imports back to back, so a pair's ratio sees the same machine: on a shared machine
  // whose speed drifts within a run, the median of those ratios is the steadier figure.
  const pairs = ours.map((o, i) => o.wall / theirs[i]!.wall);
  console.log(`ratio ours/sqlite3   ${(ourWall / sqlite).toFixed(2)}×   (bar ≤ 1.5×)`);
  console.log(`ratio per repeat     ${pairs.map((r) => r.toFixed(2)).join(' ')}   median ${median(pairs).toFixed(2)}×`);
  if (sqliteCpu !== null) {
    console.log(
      `CPU seconds          sqlite3 ${sqliteCpu.toFixed(2)}, ours ${ourCpu.toFixed(2)} (all threads) = ${(ourCpu / sqliteCpu).toFixed(2)}×`,
    );
  }
  console.log(`peak RSS             ${rss.toFixed(0)} MB   (bar < 300 MB)`);
  rmSync(file, { force: true });
  return { ratio: ourWall / sqlite, rss };
}

try {
  const base = await measure(lines);
  if (args.includes('--scale10')) {
    const big = await measure(lines * 10);
    console.log(`\npeak RSS at 10× the lines: ${big.rss.toFixed(0)} MB vs ${base.rss.toFixed(0)} MB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
