/**
 * Decides what a file holds and which column feeds which field: the caller's
 * `--columns`, the mapping remembered for this file layout, or the suggestion
 * from header names — then the caller's `--map` overrides on top.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/workspace.ts';
import {
  detectKind,
  importKinds,
  missingRequired,
  normalizeHeader,
  resolveFieldName,
  suggestMapping,
  type FieldName,
  type ImportKind,
  type Mapping,
} from './fields.ts';
import { buildConverter, Failure } from './convert.ts';
import { matchPreset } from './presets.ts';
import { ImportError, type Cell, type RawRecord, type SourceInfo } from './types.ts';
import type { DateOrder } from './values/index.ts';

export interface ImportPlan {
  kind: ImportKind;
  mapping: Mapping;
  mappingSource: 'remembered' | 'preset' | 'suggested' | 'columns';
  missingRequired: string[];
  layoutKey: string;
  /** What the check of the file's first values found (columns left unmapped and why); shown in the preview. */
  notes?: string[];
}

/** Same columns in the same order (names compared normalized) = same layout. */
export function layoutKey(kind: ImportKind, header: readonly string[]): string {
  const digest = createHash('sha256').update(header.map(normalizeHeader).join('\u0001')).digest('hex').slice(0, 24);
  return `${kind}:${digest}`;
}

export function mappingFromColumns(columns: readonly string[]): Mapping {
  const mapping: Mapping = {};
  const seen = new Set<FieldName>();
  columns.forEach((name, i) => {
    const column = name.trim();
    if (column === '_' || column === '') {
      mapping[`_${i + 1}`] = null;
      return;
    }
    const field = resolveFieldName(column);
    if (!field) throw new ImportError(`--columns: unknown field "${column}" (known: ${knownFieldsHint()})`);
    if (seen.has(field)) throw new ImportError(`--columns: field "${column}" is named twice`);
    seen.add(field);
    mapping[column] = field;
  });
  return mapping;
}

/** The header a --columns list gives a headerless file: skipped columns get placeholder names. */
export function headerFromColumns(columns: readonly string[]): string[] {
  return columns.map((c, i) => (c.trim() === '_' || c.trim() === '' ? `_${i + 1}` : c.trim()));
}

function knownFieldsHint(): string {
  return 'customer, product, order_id, date, quantity, amount, unit_price, rating, text, type, …; aliases user, item, timestamp';
}

export function planImport(
  db: Db,
  info: SourceInfo,
  options: { kind: ImportKind | 'auto'; columns?: string[]; map?: Record<string, string | null> },
): ImportPlan {
  const header = info.header;
  let kind: ImportKind | null;
  let mapping: Mapping;
  let mappingSource: ImportPlan['mappingSource'];

  if (options.columns) {
    mapping = mappingFromColumns(options.columns);
    kind = options.kind === 'auto' ? kindFromFields(Object.values(mapping)) : options.kind;
    mappingSource = 'columns';
  } else {
    const preset = matchPreset(header, options.kind);
    kind = preset?.kind ?? (options.kind === 'auto' ? detectKind(header) : options.kind);
    if (!kind) {
      throw new ImportError(
        `cannot tell what this file holds from its columns (${header.slice(0, 12).join(', ')}); ` +
          `pass --kind (${importKinds.join('|')}) and --map "column=field" for the key columns`,
      );
    }
    const remembered = db
      .prepare('SELECT mapping FROM import_mappings WHERE layout_key = ?')
      .get(layoutKey(kind, header)) as { mapping: string } | undefined;
    if (remembered) {
      mapping = { ...Object.fromEntries(header.map((h) => [h, null])), ...(JSON.parse(remembered.mapping) as Mapping) };
      mappingSource = 'remembered';
    } else if (preset) {
      mapping = preset.mapping;
      mappingSource = 'preset';
    } else {
      mapping = suggestMapping(header, kind);
      mappingSource = 'suggested';
    }
  }
  if (!kind) throw new ImportError('cannot tell what this file holds from --columns; pass --kind');

  for (const [column, target] of Object.entries(options.map ?? {})) {
    if (!(column in mapping)) {
      throw new ImportError(`--map: the file has no column "${column}" (columns: ${header.join(', ')})`);
    }
    if (target === null || target === '' || target === '_') {
      mapping[column] = null;
      continue;
    }
    const field = resolveFieldName(target);
    if (!field) throw new ImportError(`--map ${column}: unknown field "${target}" (known: ${knownFieldsHint()})`);
    // A field fed by two columns would be ambiguous: the override takes it from the other.
    for (const [other, f] of Object.entries(mapping)) if (f === field && other !== column) mapping[other] = null;
    mapping[column] = field;
  }

  return {
    kind,
    mapping,
    mappingSource,
    missingRequired: missingRequired(mapping, kind),
    layoutKey: layoutKey(kind, header),
  };
}

/** For --columns files without --kind: the kind the named fields make most sense for. */
function kindFromFields(fieldList: (FieldName | null)[]): ImportKind | null {
  const has = new Set(fieldList.filter((f): f is FieldName => f !== null));
  if (has.has('rating') && has.has('customer') && has.has('product') && !has.has('text')) return 'ratings';
  if (has.has('text')) return 'reviews';
  if (has.has('type')) return 'events';
  if (has.has('campaign')) return 'campaigns';
  if (has.has('order_id') && has.has('product')) return 'order-lines';
  if (has.has('order_id') || (has.has('customer') && has.has('date') && has.has('amount'))) return 'orders';
  if (has.has('product') && !has.has('customer')) return 'products';
  if (has.has('customer')) return 'customers';
  return null;
}

export function rememberMapping(db: Db, plan: ImportPlan, header: readonly string[], now: number): void {
  if (plan.mappingSource === 'columns') return;
  db.prepare(
    `INSERT INTO import_mappings(layout_key, kind, header, mapping, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(layout_key) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at`,
  ).run(plan.layoutKey, plan.kind, JSON.stringify(header), JSON.stringify(plan.mapping), now);
}

/**
 * Takes back a suggested mapping the file's own values contradict: a "State" column of US states (Sample
 * Superstore) is no order status, whatever its name says. A column is unmapped when more than half of its
 * non-empty sample cells fail its field's parser, and a discount given as a rate (below) is no amount of money.
 * Only name-based suggestions are checked: a remembered mapping, a preset, --columns and --map are the user's or
 * a platform's word. Each column taken back gets a note saying why.
 */
export function checkSuggestion(
  plan: ImportPlan,
  header: readonly string[],
  sample: readonly RawRecord[],
  overridden: ReadonlySet<string>,
  dateOrder: DateOrder | undefined,
): ImportPlan {
  if (sample.length === 0) return plan;
  const notes = new Map<string, string>(); // by column: one reason each
  const mixed = mixedCurrencies(header, sample);
  if (mixed) notes.set(mixed.column, mixed.note);
  if (plan.mappingSource !== 'suggested') return notes.size ? { ...plan, notes: [...notes.values()] } : plan;
  const mapping: Mapping = { ...plan.mapping };
  const takenBack = new Map<FieldName, string>(); // field → the column the check took it from
  const amounts: number[] = [];
  const discounts: { column: string; cells: Cell[]; values: number[] }[] = [];
  header.forEach((column, i) => {
    const field = mapping[column];
    if (!field || overridden.has(column)) return;
    const cells = sample.map((r) => r.values[i] ?? null).filter((c) => c !== null && String(c).trim() !== '');
    if (cells.length === 0) return;
    const parse = buildConverter(field, cells, { dateOrder, pseudonymize: null });
    const parsed = cells.map(parse);
    const failures = parsed.filter((v) => v instanceof Failure);
    if (field === 'discount') discounts.push({ column, cells, values: parsed.filter((v) => typeof v === 'number') });
    else if (amountFields.has(field)) for (const v of parsed) if (typeof v === 'number' && v !== 0) amounts.push(v);
    if (failures.length * 2 > cells.length) {
      mapping[column] = null;
      takenBack.set(field, column);
      notes.set(column, `"${column}" left unmapped: most of its first values are no ${field} (${failures[0]!.reason})`);
    }
  });
  for (const { column, cells, values } of discounts) {
    const rate = discountRate(cells, values, amounts);
    if (!rate) continue;
    mapping[column] = null;
    notes.set(column, `"${column}" left unmapped: ${rate}, and a discount is stored as money`);
  }
  // A required field the check took back says why: "date" alone would hide "unknown time zone "XYZ"".
  const missing = missingRequired(mapping, plan.kind).map((group) => {
    const column = group
      .split(' or ')
      .map((f) => takenBack.get(f as FieldName))
      .find((c) => c !== undefined);
    return column === undefined ? group : `${group} (${notes.get(column)})`;
  });
  return {
    ...plan,
    mapping,
    missingRequired: missing,
    ...(notes.size ? { notes: [...(plan.notes ?? []), ...notes.values()] } : {}),
  };
}

/** Money a discount rate is told apart from: what the orders and lines are worth. */
const amountFields: ReadonlySet<FieldName> = new Set(['amount', 'line_amount', 'unit_price', 'price']);
const percentText = /%\s*$/;

/**
 * Why a discount column holds rates rather than money, or null. Percent texts ("20%") are rates. So are values
 * that all lie in [0, 1], some of them fractions (Sample Superstore's 0, 0.2, 0.45), in a file whose amounts are
 * mostly above 1: a discount of at most a dollar on every sampled order is far less likely than a rate. Without
 * amounts to compare, the values are left as money.
 */
export function discountRate(
  cells: readonly Cell[],
  values: readonly number[],
  amounts: readonly number[],
): string | null {
  const inUnit = values.every((v) => v >= 0 && v <= 1);
  // Percentages beside numbers that could be rates too ("0", "0.1"): the whole column is rates.
  const percents = cells.filter((c) => typeof c === 'string' && percentText.test(c)).length;
  if (percents > 0 && (percents * 2 > cells.length || inUnit)) return 'its values are percentages ("20%")';
  if (values.length === 0 || !inUnit || !values.some((v) => v > 0 && v < 1)) return null;
  const above = amounts.filter((v) => Math.abs(v) > 1).length;
  if (above * 2 <= amounts.length || amounts.length === 0) return null;
  return 'its values are rates between 0 and 1 while the amounts are larger';
}

/** Columns that name each row's currency: "Currency", "currency_code", "Order Currency", "币种", "货币". */
const currencyColumn = /(?:currency|currencycode|币种|货币)$/;
const CURRENCIES_LISTED = 5;

/**
 * A currency column whose first values hold more than one currency: the rows still import and their amounts are
 * stored as they are (no conversion), which the note says, since sums over such amounts mix currencies.
 */
export function mixedCurrencies(
  header: readonly string[],
  sample: readonly RawRecord[],
): { column: string; note: string } | null {
  for (let i = 0; i < header.length; i++) {
    const column = header[i]!;
    if (!currencyColumn.test(normalizeHeader(column))) continue;
    const seen = new Set<string>();
    for (const r of sample) {
      const v = r.values[i];
      const code = v === null || v === undefined ? '' : String(v).trim().toUpperCase();
      if (code) seen.add(code);
    }
    if (seen.size < 2) continue;
    const listed = [...seen].sort().slice(0, CURRENCIES_LISTED).join(', ');
    const more = seen.size > CURRENCIES_LISTED ? ', …' : '';
    return {
      column,
      note: `"${column}" holds ${seen.size} currencies in the first rows (${listed}${more}): amounts are stored as they are, not converted, so totals mix currencies`,
    };
  }
  return null;
}
