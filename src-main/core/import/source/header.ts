/** Turns a header row into usable, unique column names. */

import type { Cell } from '../types.ts';

/**
 * Trims names and drops a stray BOM; an empty name becomes "column_N" (1-based
 * position); repeats get a suffix ("Price", "Price_2"). Names are compared
 * case-insensitively because the workspace database treats them that way.
 */
export function makeHeader(cells: readonly Cell[]): string[] {
  const names = cells.map((cell, i) => cellName(cell) || `column_${i + 1}`);
  const taken = new Set(names.map((name) => name.toLowerCase()));
  const seen = new Set<string>();
  return names.map((name) => {
    const key = name.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      return name;
    }
    let n = 2;
    while (taken.has(`${key}_${n}`) || seen.has(`${key}_${n}`)) n++;
    seen.add(`${key}_${n}`);
    return `${name}_${n}`;
  });
}

function cellName(cell: Cell): string {
  if (cell === null) return '';
  const text = cell instanceof Date ? cell.toISOString() : String(cell);
  return text.replace(/^\uFEFF/, '').trim();
}

/**
 * A header under a row of group labels: a name that appears more than once ("ID" under both "Order" and
 * "Customer") is told apart by its group, the label at or left of its column (a merged cell holds its value in
 * its first column): "Order ID", "Customer ID". Unique names stay as they are.
 */
export function withGroups(names: readonly Cell[], groups: readonly Cell[]): Cell[] {
  const keys = names.map((n) => cellName(n).toLowerCase());
  const count = new Map<string, number>();
  for (const k of keys) if (k) count.set(k, (count.get(k) ?? 0) + 1);
  let group = '';
  return names.map((name, i) => {
    group = cellName(groups[i] ?? null) || group;
    return (count.get(keys[i]!) ?? 0) > 1 && group ? `${group} ${cellName(name)}` : name;
  });
}
