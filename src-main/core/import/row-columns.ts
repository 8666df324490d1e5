/**
 * One column of a row batch in a form that crosses threads cheaply: numbers
 * in a Float64Array (moved, not copied), texts joined into one string (one
 * string to copy instead of thousands), anything else as a plain list.
 */
import type { Value } from './writers.ts';

export type EncodedColumn =
  | { type: 'number'; values: Float64Array; nulls: Uint8Array | null }
  | { type: 'text'; joined: string; nulls: Uint8Array | null }
  | { type: 'mixed'; values: Value[] };

const SEPARATOR = '\u0000';

export function encodeColumn(values: Value[]): EncodedColumn {
  const n = values.length;
  let numbers = true;
  let texts = true;
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? null;
    if (v === null) (nulls ??= new Uint8Array(n))[i] = 1;
    else if (typeof v === 'number') texts = false;
    else {
      numbers = false;
      if (v.includes(SEPARATOR)) texts = false;
    }
  }
  if (numbers) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (values[i] as number | null) ?? 0;
    return { type: 'number', values: out, nulls };
  }
  if (texts) return { type: 'text', joined: values.join(SEPARATOR), nulls };
  return { type: 'mixed', values };
}

export function decodeColumn(column: EncodedColumn, length: number): Value[] {
  if (column.type === 'mixed') return column.values;
  const out: Value[] =
    column.type === 'number' ? Array.from(column.values) : length ? column.joined.split(SEPARATOR) : [];
  const nulls = column.nulls;
  if (nulls) for (let i = 0; i < nulls.length; i++) if (nulls[i]) out[i] = null;
  return out;
}

/** The buffers to move (not copy) when posting columns to another thread. */
export function transferables(columns: readonly EncodedColumn[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const c of columns) {
    if (c.type === 'number') out.push(c.values.buffer as ArrayBuffer);
    if (c.type !== 'mixed' && c.nulls) out.push(c.nulls.buffer as ArrayBuffer);
  }
  return out;
}
