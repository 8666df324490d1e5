import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, tempWorkspace } from './helpers/workspace.ts';

const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
const workbench = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

let ws: ReturnType<typeof tempWorkspace>;
afterEach(() => ws?.cleanup());

describe('workbench CLI', () => {
  it('imports through the job worker and prints the documented JSON', () => {
    ws = tempWorkspace();
    ws.db.close();
    const r = workbench('import', fixture('online-retail.csv'), '--db', ws.path, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ rowsRead: 15, rowsImported: 12, rowsRejected: 3 });
    expect(out.tables).toMatchObject({ customers: 4, orders: 8, order_items: 11, products: 11 });
    expect(out.errors[0]).toEqual({ line: 13, column: 'InvoiceDate', reason: expect.stringMatching(/not a date/) });

    const s = workbench('stats', '--db', ws.path, '--json');
    expect(s.status).toBe(0);
    expect(Object.keys(JSON.parse(s.stdout))).toEqual(
      expect.arrayContaining([
        'customers',
        'orders',
        'orderItems',
        'products',
        'events',
        'ratings',
        'reviews',
        'revenue',
        'firstOrderAt',
        'lastOrderAt',
      ]),
    );
  });

  it('headerless files take --columns with field aliases', () => {
    ws = tempWorkspace();
    ws.db.close();
    const r = workbench(
      'import',
      fixture('ratings-headerless.tsv'),
      '--db',
      ws.path,
      '--kind',
      'ratings',
      '--columns',
      'user,item,rating,timestamp',
      '--json',
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).rowsImported).toBe(11);
  });

  it.each([
    [['import', 'no-such-file.csv', '--db', 'x.db'], /no such file: no-such-file.csv/],
    [
      ['import', fixture('ratings-headerless.tsv'), '--db', 'WS', '--columns', 'user,itme,rating,_'],
      /unknown field "itme"/,
    ],
    [['import', fixture('online-retail.csv'), '--db', 'WS', '--map', 'Nope=order_id'], /no column "Nope"/],
    [['stats', '--db', 'missing.db'], /no workspace at missing.db/],
    [['import', fixture('online-retail.csv'), '--db', 'WS', '--encoding', 'klingon'], /klingon/],
  ])('a user mistake gives one clear line and exit 2: %j', (args, message) => {
    ws = tempWorkspace();
    ws.db.close();
    const r = workbench(...args.map((a) => (a === 'WS' ? ws.path : a)));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('demo builds the sample shop through the job worker; a second demo into the same file is refused', () => {
    ws = tempWorkspace();
    ws.db.close();
    const r = workbench('demo', '--db', ws.path, '--customers', '300', '--seed', '7', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ seed: 7 });
    const s = JSON.parse(workbench('stats', '--db', ws.path, '--json').stdout);
    expect(s.customers).toBe(300);
    expect(s.orders).toBeGreaterThan(300);
    const again = workbench('demo', '--db', ws.path, '--customers', '300');
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/workbench: /);
    expect(again.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a file that is not a workspace', () => {
    const r = workbench('stats', '--db', fixture('online-retail.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a workspace file/);
  });
});
