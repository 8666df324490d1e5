/**
 * Customer lists as shops export them: a bare "ID" for the customer (WooCommerce, Magento, hand-made lists), the
 * name split into first and last (Shopify's customers export, "姓"/"名" in Chinese CRMs). The parts become one
 * name before pseudonymization, so one person gets one token whether a file splits the name or not.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectKind, suggestMapping } from '../src-main/core/import/fields.ts';
import { runImport } from '../src-main/core/import/importer.ts';
import { joinName } from '../src-main/core/import/name-parts.ts';
import { previewImport } from '../src-main/core/import/preview.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const mappedOf = (header: string[]) => {
  const kind = detectKind(header);
  return { kind, mapped: Object.fromEntries(Object.entries(suggestMapping(header, kind!)).filter(([, f]) => f)) };
};

describe('customer files by their header', () => {
  it.each([['ID'], ['Id'], ['id']])('takes a bare %s as the customer in a customer list', (id) => {
    expect(mappedOf([id, 'First Name', 'Last Name', 'Email', 'City'])).toEqual({
      kind: 'customers',
      mapped: { [id]: 'customer', 'First Name': 'first_name', 'Last Name': 'last_name', Email: 'email', City: 'city' },
    });
  });

  it.each([
    [['Customer Number', 'Given Name', 'Family Name', 'Email'], 'Customer Number'],
    [['客户编号', '姓', '名', '手机'], '客户编号'],
    [['会员ID', '姓', '名', '手机'], '会员ID'],
    [['id', 'firstname', 'lastname', 'email'], 'id'],
  ])('maps %j as customers with a split name', (header, customer) => {
    const { kind, mapped } = mappedOf(header);
    expect(kind).toBe('customers');
    expect(mapped[customer]).toBe('customer');
    expect(
      Object.values(mapped)
        .filter((f) => f === 'first_name' || f === 'last_name')
        .sort(),
    ).toEqual(['first_name', 'last_name']);
  });

  it('takes a bare ID as the order in an orders file, not as a customer', () => {
    expect(mappedOf(['ID', 'Date', 'Total', 'Email'])).toEqual({
      kind: 'orders',
      mapped: { ID: 'order_id', Date: 'date', Total: 'amount', Email: 'email' },
    });
    // In an order-lines file a bare ID may be the line's or the order's: it is left to the user.
    expect(suggestMapping(['ID', 'Order ID', 'SKU', 'Quantity', 'Price', 'Date'], 'order-lines').ID).toBeNull();
  });

  it("keeps Shopify's customers export as it was mapped, and adds the name parts", () => {
    const header = ['Customer ID', 'First Name', 'Last Name', 'Email', 'Accepts Email Marketing',
      'Default Address Company', 'Default Address Address1', 'Default Address Address2', 'Default Address City',
      'Default Address Province Code', 'Default Address Country Code', 'Default Address Zip', 'Default Address Phone',
      'Phone', 'Accepts SMS Marketing', 'Total Spent', 'Total Orders', 'Note', 'Tax Exempt', 'Tags']; // prettier-ignore
    expect(mappedOf(header)).toEqual({
      kind: 'customers',
      mapped: {
        'Customer ID': 'customer',
        'First Name': 'first_name',
        'Last Name': 'last_name',
        Email: 'email',
        'Default Address Address1': 'address',
        'Default Address City': 'city',
        'Default Address Country Code': 'country',
        Phone: 'phone',
        Tags: 'interests',
      },
    });
  });
});

describe('joining a split name', () => {
  it.each([
    ['Jane', 'Doe', 'Jane Doe'],
    ['  Jane ', ' Doe ', 'Jane Doe'],
    ['三', '张', '张三'],
    ['太郎', '山田', '山田太郎'],
    ['Wei', 'Zhang', 'Wei Zhang'],
    ['', 'Prince', 'Prince'],
    ['Cher', null, 'Cher'],
    [null, '', null],
  ] as const)('%j + %j = %j', (given, family, whole) => {
    expect(joinName(given, family)).toBe(whole);
  });
});

describe('importing customer lists', () => {
  const ws = tempWorkspace();
  afterAll(() => ws.cleanup());
  const write = (name: string, lines: string[]) => {
    const file = join(ws.dir, name);
    writeFileSync(file, lines.join('\n'));
    return file;
  };

  it('imports a bare-ID list with the name joined (kept as it is when the user asks)', async () => {
    const file = write('customers.csv', [
      'ID,First Name,Last Name,Email,City',
      '101,Jane,Doe,jane@example.com,Boston',
      '102,John,Smith,john@example.com,Denver',
      '103,,Prince,prince@example.com,Minneapolis',
    ]);
    const preview = await previewImport(ws.db, { path: file });
    expect(preview.kind).toBe('customers');
    const r = await runImport(ws.db, { path: file, keepPii: true }, testContext(ws.path));
    expect(r.errors).toEqual([]);
    expect(ws.db.prepare('SELECT external_id, name, city FROM customers ORDER BY external_id').all()).toEqual([
      { external_id: '101', name: 'Jane Doe', city: 'Boston' },
      { external_id: '102', name: 'John Smith', city: 'Denver' },
      { external_id: '103', name: 'Prince', city: 'Minneapolis' },
    ]);
  });

  it('joins 姓 and 名 without a space', async () => {
    const file = write('customers-cn.csv', [
      '客户编号,姓,名,手机',
      'C001,张,三,13800000001',
      'C002,欧阳,修,13800000002',
    ]);
    const r = await runImport(ws.db, { path: file, keepPii: true }, testContext(ws.path));
    expect(r.errors).toEqual([]);
    const names = ws.db.prepare("SELECT name FROM customers WHERE external_id LIKE 'C0%' ORDER BY external_id").all();
    expect(names).toEqual([{ name: '张三' }, { name: '欧阳修' }]);
  });

  it('gives a person one pseudonym whether the file splits the name or not', async () => {
    const split = write('split.csv', ['Customer ID,First Name,Last Name', 'S1,Ada,Lovelace']);
    const whole = write('whole.csv', ['Customer ID,Name', 'W1,Ada Lovelace']);
    await runImport(ws.db, { path: split }, testContext(ws.path));
    await runImport(ws.db, { path: whole }, testContext(ws.path));
    const rows = ws.db
      .prepare("SELECT external_id, name FROM customers WHERE external_id IN ('S1', 'W1') ORDER BY external_id")
      .all() as { external_id: string; name: string }[];
    expect(rows).toHaveLength(2);
    expect(rows[0]!.name).toMatch(/^name:[0-9a-f]{12}$/);
    expect(rows[0]!.name).toBe(rows[1]!.name);
  });

  it('joins the name on order lines too, and prefers a full-name column where a file has both', async () => {
    const file = write('lines.csv', [
      'Order ID,Date,SKU,Quantity,Price,Customer ID,First Name,Last Name',
      'O-1,2024-03-01,A1,1,9.99,K1,Grace,Hopper',
      'O-1,2024-03-01,B2,2,4.50,K1,Grace,Hopper',
    ]);
    const r = await runImport(ws.db, { path: file, keepPii: true }, testContext(ws.path));
    expect(r.errors).toEqual([]);
    expect(ws.db.prepare("SELECT name FROM customers WHERE external_id = 'K1'").get()).toEqual({
      name: 'Grace Hopper',
    });

    const both = write('both.csv', [
      'Customer ID,Full Name,First Name,Last Name',
      'K2,Dr. Grace M. Hopper,Grace,Hopper',
    ]);
    await runImport(ws.db, { path: both, keepPii: true }, testContext(ws.path));
    expect(ws.db.prepare("SELECT name FROM customers WHERE external_id = 'K2'").get()).toEqual({
      name: 'Dr. Grace M. Hopper',
    });
  });
});
