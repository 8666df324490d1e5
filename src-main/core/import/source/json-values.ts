/** JSON objects → flat (column, cell) pairs, and the union of keys → rows. */

import type { Cell, RawRecord } from '../types.ts';

export interface KeyedRecord {
  line: number;
  /** null when the record is not an object (then `error` says why). */
  fields: [string, Cell][] | null;
  error?: string;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One level of nesting becomes dot paths ({"customer":{"id":1}} → customer.id); deeper values and arrays stay JSON text. */
export function flattenObject(object: Record<string, unknown>): [string, Cell][] {
  const fields: [string, Cell][] = [];
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (isPlainObject(value)) {
      for (const inner of Object.keys(value)) fields.push([`${key}.${inner}`, leaf(value[inner])]);
    } else {
      fields.push([key, leaf(value)]);
    }
  }
  return fields;
}

function leaf(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** A JSON number; integers beyond 2^53 (order ids) stay exact as text. */
export function jsonNumber(text: string): number | string {
  const n = Number(text);
  if (!Number.isSafeInteger(n) && /^-?\d+$/.test(text)) return text;
  return n;
}

/**
 * Column order: keys in first-seen order over the records it learns from
 * (the first 1000); keys first seen later are ignored. Given `columns`, those
 * keys are read instead, in that order.
 */
export class KeyedColumns {
  readonly keys: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(columns?: string[]) {
    if (columns) for (const key of columns) this.add(key);
  }

  learn(record: KeyedRecord): void {
    if (record.fields) for (const [key] of record.fields) this.add(key);
  }

  private add(key: string): void {
    if (this.index.has(key)) return;
    this.index.set(key, this.keys.length);
    this.keys.push(key);
  }

  toRecord(record: KeyedRecord): RawRecord {
    if (!record.fields) return { line: record.line, values: [], error: record.error ?? 'not a JSON object' };
    const values = new Array<Cell>(this.keys.length).fill(null);
    for (const [key, value] of record.fields) {
      const i = this.index.get(key);
      if (i !== undefined) values[i] = value;
    }
    return { line: record.line, values };
  }
}
