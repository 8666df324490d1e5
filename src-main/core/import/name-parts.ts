/**
 * A customer's name split over two columns ("First Name" / "Last Name", "姓" / "名") becomes one name before it
 * is pseudonymized, so that one person gets one token. The reader sees the join as a plain customer_name column:
 * the first-name cell of each record is overwritten with the whole name, once per batch, and the last-name column
 * is not read. Files without both columns get no join and no per-row work.
 */
import type { FieldName, Mapping } from './fields.ts';
import type { Cell, RawRecord } from './types.ts';

export interface NameColumns {
  /** The mapping as the reader reads it: first/last name as customer_name, or unmapped. */
  mapping: Mapping;
  /** Joins the two cells of every record of a batch into the first-name cell; null when nothing is to be joined. */
  join: ((batch: RawRecord[]) => void) | null;
}

/**
 * How a mapping's name parts are read; null when it maps none (the common case: nothing changes). A full-name
 * column wins over the parts; a lone part is the name as it stands.
 */
export function nameColumns(mapping: Mapping, header: readonly string[]): NameColumns | null {
  const at = (field: FieldName) => header.findIndex((h) => mapping[h] === field);
  const first = at('first_name');
  const last = at('last_name');
  if (first < 0 && last < 0) return null;
  const hasFullName = header.some((h) => mapping[h] === 'customer_name');
  const reading: Mapping = { ...mapping };
  for (const h of header) if (mapping[h] === 'first_name' || mapping[h] === 'last_name') reading[h] = null;
  if (hasFullName) return { mapping: reading, join: null };
  if (first < 0 || last < 0) {
    reading[header[first < 0 ? last : first]!] = 'customer_name';
    return { mapping: reading, join: null };
  }
  reading[header[first]!] = 'customer_name';
  return {
    mapping: reading,
    join: (batch) => {
      for (let r = 0; r < batch.length; r++) {
        const values = batch[r]!.values;
        if (values.length > first) values[first] = joinName(values[first] ?? null, values[last] ?? null);
      }
    },
  };
}

// Han, kana and hangul: names written in these run family name first with no space (张 + 三 = 张三).
const eastAsian = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/;

/**
 * "Jane" + "Doe" = "Jane Doe"; given "三" and family "张" = "张三"; either part alone when the other is empty;
 * null when both are.
 */
export function joinName(given: Cell, family: Cell): string | null {
  const g = given === null ? '' : String(given).trim();
  const f = family === null ? '' : String(family).trim();
  if (!g || !f) return g || f || null;
  return eastAsian.test(g) && eastAsian.test(f) ? f + g : `${g} ${f}`;
}
