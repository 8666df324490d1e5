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
import { ImportError, type RawRecord, type SourceInfo } from './types.ts';
import type { DateOrder } from './values/index.ts';

export interface ImportPlan {
  kind: ImportKind;
  mapping: Mapping;
  mappingSource: 'remembered' | 'preset' | 'suggested' | 'columns';
  missingRequired: string[];
  layoutKey: string;
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
 * non-empty sample cells fail its field's parser. Only name-based suggestions are checked: a remembered
 * mapping, a preset, --columns and --map are the user's or a platform's word.
 */
export function checkSuggestion(
  plan: ImportPlan,
  header: readonly string[],
  sample: readonly RawRecord[],
  overridden: ReadonlySet<string>,
  dateOrder: DateOrder | undefined,
): ImportPlan {
  if (plan.mappingSource !== 'suggested' || sample.length === 0) return plan;
  const mapping: Mapping = { ...plan.mapping };
  header.forEach((column, i) => {
    const field = mapping[column];
    if (!field || overridden.has(column)) return;
    const cells = sample.map((r) => r.values[i] ?? null).filter((c) => c !== null && String(c).trim() !== '');
    if (cells.length === 0) return;
    const parse = buildConverter(field, cells, { dateOrder, pseudonymize: null });
    const failed = cells.filter((c) => parse(c) instanceof Failure).length;
    if (failed * 2 > cells.length) mapping[column] = null;
  });
  return { ...plan, mapping, missingRequired: missingRequired(mapping, plan.kind) };
}
