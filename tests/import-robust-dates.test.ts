/**
 * Times written with a zone abbreviation, as US and European shop platforms export them: Amazon's Date Range
 * report ("Mar 1, 2024 11:59:59 PM PST"), eBay's order report ("Mar-01-24 10:00:00 PDT"), European back offices
 * ("01/03/2024 10:00 CET"). Each is the instant it names, stored as UTC seconds like a numeric offset.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../src-main/core/import/importer.ts';
import { dateParser, isFailure, parseDate, type Parsed } from '../src-main/core/import/values/index.ts';
import { zoneOffsets } from '../src-main/core/import/values/date-text.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

/** Unix seconds of a UTC wall clock. */
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
const reasonOf = (v: Parsed<unknown>) => (isFailure(v) ? v.reason : `no failure: ${JSON.stringify(v)}`);

describe('time-zone abbreviations', () => {
  it.each([
    ['2024-03-01 23:30:00 PST', utc(2024, 3, 2, 7, 30)],
    ['Mar 1, 2024 11:59:59 PM PST', utc(2024, 3, 2, 7, 59, 59)],
    ['Mar 10, 2024 3:05:00 PM PDT', utc(2024, 3, 10, 22, 5)],
    ['Mar-01-24 10:00:00 PDT', utc(2024, 3, 1, 17)],
    ['2024-03-01 10:00 EST', utc(2024, 3, 1, 15)],
    ['2024-07-01 10:00 EDT', utc(2024, 7, 1, 14)],
    ['2024-03-01 10:00 CST', utc(2024, 3, 1, 16)],
    ['2024-03-01 10:00 MST', utc(2024, 3, 1, 17)],
    ['2024-03-01 10:00 AKST', utc(2024, 3, 1, 19)],
    ['2024-03-01 10:00 HST', utc(2024, 3, 1, 20)],
    ['2024-07-01 10:00 BST', utc(2024, 7, 1, 9)],
    ['2024-03-01 10:00 CET', utc(2024, 3, 1, 9)],
    ['2024-07-01 10:00 CEST', utc(2024, 7, 1, 8)],
    ['2024-03-01 10:00 EET', utc(2024, 3, 1, 8)],
    ['2024-03-01 10:00 WET', utc(2024, 3, 1, 10)],
    ['2024-03-01 10:00 JST', utc(2024, 3, 1, 1)],
    ['2024-03-01 10:00 KST', utc(2024, 3, 1, 1)],
    ['2024-03-01 10:00 IST', utc(2024, 3, 1, 4, 30)],
    ['2024-03-01 10:00 SGT', utc(2024, 3, 1, 2)],
    ['2024-03-01 10:00 HKT', utc(2024, 3, 1, 2)],
    ['2024-03-01 10:00 AEST', utc(2024, 3, 1, 0)],
    ['2024-03-01 10:00 AEDT', utc(2024, 2, 29, 23)],
    ['2024-03-01 10:00 ACST', utc(2024, 3, 1, 0, 30)],
    ['2024-03-01 10:00 AWST', utc(2024, 3, 1, 2)],
    ['2024-03-01 10:00 NZST', utc(2024, 2, 29, 22)],
    ['2024-03-01 10:00 NZDT', utc(2024, 2, 29, 21)],
    ['2024-03-01 10:00 GMT', utc(2024, 3, 1, 10)],
    ['2024-03-01 10:00 pst', utc(2024, 3, 1, 18)],
    ['Sat, 02 Mar 2024 10:00:00 EST', utc(2024, 3, 2, 15)],
    ['2024-03-01T10:00:00 PST', utc(2024, 3, 1, 18)],
    ['2024年3月1日 14:05 北京时间', utc(2024, 3, 1, 6, 5)],
    ['北京时间 2024-03-01 14:05', utc(2024, 3, 1, 6, 5)],
  ])('%s', (text, expected) => {
    expect(parseDate(text)).toBe(expected);
    expect(dateParser()(text)).toBe(expected);
  });

  it('reads a slash date with a zone by the column order', () => {
    expect(dateParser({ order: 'dmy' })('01/03/2024 10:00 CET')).toBe(utc(2024, 3, 1, 9));
    expect(dateParser({ order: 'mdy' })('01/03/2024 10:00 CET')).toBe(utc(2024, 1, 3, 9));
  });

  it("does not answer a zoned time from the parser's cache of the same day or text", () => {
    const parse = dateParser();
    expect(parse('3/1/2024 10:00')).toBe(utc(2024, 3, 1, 10));
    expect(parse('3/1/2024 10:00 EST')).toBe(utc(2024, 3, 1, 15));
    expect(parse('3/1/2024 10:00:00 AM PST')).toBe(utc(2024, 3, 1, 18));
    expect(parse('2024-03-01 10:00:00')).toBe(utc(2024, 3, 1, 10));
    expect(parse('2024-03-01 10:00:00 JST')).toBe(utc(2024, 3, 1, 1));
  });

  it('keeps numeric offsets as they were', () => {
    for (const text of ['2024-03-01 10:00:00 -0500', '2024-03-01T23:00:00+08:00', '2024-03-01T15:00:00Z']) {
      expect(parseDate(text), text).toBe(utc(2024, 3, 1, 15));
    }
    expect(parseDate('2024-03-01 23:00 UTC+8')).toBe(utc(2024, 3, 1, 15));
  });

  it('names an abbreviation it does not know, and fails other trailing words plainly', () => {
    expect(reasonOf(parseDate('2024-03-01 10:00 XYZ'))).toBe(
      'not a date: "2024-03-01 10:00 XYZ" (unknown time zone "XYZ")',
    );
    expect(reasonOf(dateParser()('Mar 1, 2024 11:59:59 PM QQT'))).toMatch(/unknown time zone "QQT"/);
    // No time before it: not taken for a zone.
    expect(reasonOf(parseDate('2024-03-01 XYZ'))).toBe('not a date: "2024-03-01 XYZ"');
    expect(reasonOf(parseDate('2024-03-01 10:00 hello'))).toBe('not a date: "2024-03-01 10:00 hello"');
    // A zone needs a time: a bare day with a zone says nothing about its instant.
    expect(reasonOf(parseDate('2024-03-01 PST'))).toBe('not a date: "2024-03-01 PST"');
  });

  it('lets a month or weekday stay what it is', () => {
    expect(parseDate('MAR 1, 2024 10:00 PM')).toBe(utc(2024, 3, 1, 22));
    expect(parseDate('SAT MAR 2 2024')).toBe(utc(2024, 3, 2));
  });

  it('has the offset each zone has in the IANA database (ICU, via Intl) on a day it is in use', () => {
    // Abbreviation → a place that uses it and a day in its season (winter or summer time).
    const where: Record<string, [string, string]> = {
      UTC: ['UTC', '2024-01-15'], GMT: ['Europe/London', '2024-01-15'], UT: ['UTC', '2024-01-15'],
      Z: ['UTC', '2024-01-15'], PST: ['America/Los_Angeles', '2024-01-15'], PDT: ['America/Los_Angeles', '2024-07-15'],
      MST: ['America/Phoenix', '2024-01-15'], MDT: ['America/Denver', '2024-07-15'],
      CST: ['America/Chicago', '2024-01-15'], CDT: ['America/Chicago', '2024-07-15'],
      EST: ['America/New_York', '2024-01-15'], EDT: ['America/New_York', '2024-07-15'],
      AKST: ['America/Anchorage', '2024-01-15'], AKDT: ['America/Anchorage', '2024-07-15'],
      HST: ['Pacific/Honolulu', '2024-01-15'], BST: ['Europe/London', '2024-07-15'], IST: ['Asia/Kolkata', '2024-01-15'],
      WET: ['Europe/Lisbon', '2024-01-15'], WEST: ['Europe/Lisbon', '2024-07-15'], CET: ['Europe/Paris', '2024-01-15'],
      CEST: ['Europe/Paris', '2024-07-15'], MET: ['Europe/Berlin', '2024-01-15'], MEST: ['Europe/Berlin', '2024-07-15'],
      EET: ['Europe/Athens', '2024-01-15'], EEST: ['Europe/Athens', '2024-07-15'], MSK: ['Europe/Moscow', '2024-01-15'],
      SGT: ['Asia/Singapore', '2024-01-15'], HKT: ['Asia/Hong_Kong', '2024-01-15'], JST: ['Asia/Tokyo', '2024-01-15'],
      KST: ['Asia/Seoul', '2024-01-15'], AWST: ['Australia/Perth', '2024-01-15'],
      ACST: ['Australia/Darwin', '2024-01-15'], ACDT: ['Australia/Adelaide', '2024-01-15'],
      AEST: ['Australia/Brisbane', '2024-01-15'], AEDT: ['Australia/Sydney', '2024-01-15'],
      NZST: ['Pacific/Auckland', '2024-07-15'], NZDT: ['Pacific/Auckland', '2024-01-15'],
    }; // prettier-ignore
    for (const [name, minutes] of zoneOffsets) {
      const [zone, day] = where[name] ?? ['', ''];
      expect(zone, `${name} has a place to check it against`).not.toBe('');
      const label = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
        .formatToParts(new Date(`${day}T12:00:00Z`))
        .find((p) => p.type === 'timeZoneName')?.value;
      const m = /GMT(?:([+-])(\d\d):(\d\d))?/.exec(label ?? '');
      const offset = m?.[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
      expect(minutes, `${name} (${zone} on ${day}: ${label})`).toBe(offset);
    }
  });
});

describe('importing a file whose times carry zone abbreviations', () => {
  const ws = tempWorkspace();
  afterAll(() => ws.cleanup());

  it("imports an Amazon Date Range report's orders at their UTC instants", async () => {
    // The report's layout: two lines of notes before the header, times in the seller's Pacific time.
    const file = join(ws.dir, 'amazon-date-range.csv');
    writeFileSync(
      file,
      [
        '"Includes Amazon Marketplace, Fulfillment by Amazon (FBA), and Amazon Webstore transactions"',
        '"All amounts in USD, unless specified"',
        '"date/time","settlement id","type","order id","sku","description","quantity","marketplace","product sales","total"',
        '"Mar 1, 2024 11:59:59 PM PST","1789","Order","113-1","SKU-RED","Red T-Shirt","1","amazon.com","19.99","13.77"',
        '"Mar 2, 2024 12:15:02 AM PST","1789","Order","113-2","SKU-BLU","Blue T-Shirt","2","amazon.com","39.98","22.54"',
        '"Mar 10, 2024 3:05:00 PM PDT","1789","Order","113-3","SKU-RED","Red T-Shirt","1","amazon.com","19.99","13.77"',
      ].join('\n'),
    );
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.errors).toEqual([]);
    expect(r.rowsImported).toBe(3);
    const orders = ws.db.prepare('SELECT external_id, placed_at FROM orders ORDER BY external_id').all();
    expect(orders).toEqual([
      { external_id: '113-1', placed_at: utc(2024, 3, 2, 7, 59, 59) },
      { external_id: '113-2', placed_at: utc(2024, 3, 2, 8, 15, 2) },
      { external_id: '113-3', placed_at: utc(2024, 3, 10, 22, 5) },
    ]);
  });

  it('says which zone it does not know when that leaves the file without a date', async () => {
    const file = join(ws.dir, 'unknown-zone.csv');
    writeFileSync(file, 'Order ID,Order Date,Total\nA1,2024-03-01 10:00 XYZ,10.00\nA2,2024-03-02 11:00 XYZ,12.00\n');
    await expect(runImport(ws.db, { path: file }, testContext(ws.path))).rejects.toThrow(
      'no column for date ("Order Date" left unmapped: most of its first values are no date ' +
        '(not a date: "2024-03-01 10:00 XYZ" (unknown time zone "XYZ")))',
    );
  });
});
