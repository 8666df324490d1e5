/**
 * Binds each mapped column to its value parser: the field's type decides the
 * parser, the column's sample cells decide its options (date order and style,
 * decimal separator), and personal data passes through the pseudonymizer.
 */
import { fields, type FieldName } from './fields.ts';
import type { Pseudonymizer, PiiKind } from './pseudonymize.ts';
import type { Cell } from './types.ts';
import { columnParser, detectColumnOptions, ParseFailure, type DateOrder } from './values/index.ts';

export { ParseFailure as Failure };
/** Parsers return null for a missing cell. */
export const MISSING = null;
export type Converter = (cell: Cell) => string | number | null | ParseFailure;

const piiKind: Partial<Record<FieldName, PiiKind>> = {
  customer_name: 'name',
  // Read joined as customer_name (name-parts.ts); kept personal wherever a part is converted on its own.
  first_name: 'name',
  last_name: 'name',
  phone: 'phone',
  email: 'email',
  address: 'address',
};

const decimalCommaNumber = /^\d+,\d+$/;

export interface ConvertOptions {
  /** The user's choice for slash dates; detected from the samples otherwise. */
  dateOrder?: DateOrder | undefined;
  /** null keeps personal data as it is (the user opted in). */
  pseudonymize: Pseudonymizer | null;
}

export function buildConverter(field: FieldName, samples: readonly Cell[], options: ConvertOptions): Converter {
  const type = fields[field].type;
  const columnOptions = detectColumnOptions(type, samples);
  if (options.dateOrder) columnOptions.dateOrder = options.dateOrder;
  let parse = columnParser(type, columnOptions);
  if (type === 'date' && samples.some((c) => typeof c === 'string' && decimalCommaNumber.test(c))) {
    // Excel serials written by a decimal-comma locale ("45300,5").
    const inner = parse;
    parse = (cell) => inner(typeof cell === 'string' && decimalCommaNumber.test(cell) ? cell.replace(',', '.') : cell);
  }
  const kind = piiKind[field];
  const pseudonymize = options.pseudonymize;
  if (!kind || !pseudonymize) return parse;
  return (cell) => {
    const v = parse(cell);
    if (typeof v !== 'string') return v;
    // A value with nothing personal left after normalizing ("N/A" as a phone) is missing.
    return pseudonymize(kind, v) || MISSING;
  };
}
