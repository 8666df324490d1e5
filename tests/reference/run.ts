/**
 * Reference checks against the real data sets in ../shared (run by .ci/run when
 * that folder exists; never part of `npm test`). Each check imports a published
 * file through the CLI, exactly as a user would, and compares with the figures
 * the data set's publishers give. Ends with "N passed, N failed".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cdnowClvChecks } from './cdnow-clv.ts';
import { ml100kChecks } from './ml100k.ts';

const root = join(import.meta.dirname, '..', '..');
const shared = join(root, '..', 'shared', 'data');
let passed = 0;
let failed = 0;

function check(name: string, fn: () => void): void {
  const t0 = performance.now();
  try {
    fn();
    passed++;
    console.log(`✔ ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failed++;
    console.log(`✘ ${name}\n    ${(err as Error).message}`);
  }
}

function workbench(args: string[]): unknown {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'workbench.js'), ...args, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`workbench ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

if (!existsSync(shared)) {
  console.log('../shared/data is absent: no reference checks to run');
  console.log('0 passed, 0 failed');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'wb-reference-'));
try {
  // CDNOW master (Fader & Hardie; as shipped by lifetimes): 69,659 transactions by 23,570 customers.
  check('CDNOW master: whitespace-separated transactions import as orders', () => {
    const db = join(dir, 'cdnow.db');
    const r = workbench(['import', join(shared, 'cdnow', 'CDNOW_master.txt'), '--db', db]) as {
      kind: string;
      rowsRead: number;
      rowsImported: number;
      rowsRejected: number;
    };
    expectEqual('kind', r.kind, 'orders');
    expectEqual('rows read', r.rowsRead, 69_659);
    expectEqual('rows imported', r.rowsImported, 69_659);
    const s = workbench(['stats', '--db', db]) as {
      customers: number;
      orders: number;
      firstOrderAt: string;
      lastOrderAt: string;
    };
    expectEqual('customers', s.customers, 23_570);
    expectEqual('orders', s.orders + (s as unknown as { returns: number }).returns, 69_659);
    expectEqual('first order', s.firstOrderAt, '1997-01-01T00:00:00.000Z');
    expectEqual('last order', s.lastOrderAt, '1998-06-30T00:00:00.000Z');
  });

  // MovieLens 100K (GroupLens README): 100,000 ratings by 943 users on 1,682 items.
  check('MovieLens 100K: headerless u.data with --columns', () => {
    const db = join(dir, 'ml.db');
    const r = workbench([
      'import',
      join(shared, 'ml-100k', 'u.data'),
      '--db',
      db,
      '--kind',
      'ratings',
      '--columns',
      'user,item,rating,timestamp',
    ]) as { rowsImported: number; rowsRejected: number };
    expectEqual('rows imported', r.rowsImported, 100_000);
    expectEqual('rows rejected', r.rowsRejected, 0);
    const s = workbench(['stats', '--db', db]) as { ratings: number; customers: number; products: number };
    expectEqual('ratings', s.ratings, 100_000);
    expectEqual('users', s.customers, 943);
    expectEqual('items', s.products, 1_682);
  });

  // u.item is Latin-1 and pipe-separated without a header.
  check('MovieLens 100K: Latin-1 pipe-separated u.item as products', () => {
    const db = join(dir, 'ml.db');
    const r = workbench([
      'import',
      join(shared, 'ml-100k', 'u.item'),
      '--db',
      db,
      '--kind',
      'products',
      '--delimiter',
      '|',
      '--columns',
      `product,title,${Array.from({ length: 22 }, () => '_').join(',')}`,
    ]) as { rowsImported: number; rowsRejected: number; tables: Record<string, number> };
    expectEqual('rows imported', r.rowsImported, 1_682);
    expectEqual('new products (all rated already)', r.tables.products, 0);
  });
  // ML-100K 5-fold CV against Surprise's published benchmark table.
  for (const c of await ml100kChecks(shared, dir)) {
    check(c.name, () => {
      if (!c.ok) throw new Error(c.detail);
    });
  }

  // CDNOW cohort through the importer; BG/NBD and Gamma-Gamma against Fader, Hardie & Lee (2005).
  for (const c of await cdnowClvChecks(shared, dir)) {
    check(c.name, () => {
      if (!c.ok) throw new Error(c.detail);
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
