/**
 * Value parsing for the importer: one parser per field type, configured per
 * column from sample cells, then called once per cell. Every parser returns
 * the value, null for a missing cell, or a `ParseFailure` with the reason.
 */
import type { FieldType } from '../fields.ts';
import type { Cell } from '../types.ts';
import { dateParser, detectDateOrder, detectDateStyle, type DateOrder, type DateStyle } from './dates.ts';
import { parseArm, parseBoolean, parseEventType, parseGender, parseStatus } from './enums.ts';
import {
  detectDecimalSeparator,
  parseInteger,
  parseMoney,
  parseNumber,
  type DecimalSeparator,
  type NumberOptions,
} from './numbers.ts';
import { isFailure, type Parsed } from './result.ts';
import { parseId, parseText } from './text.ts';

export { ParseFailure, isFailure, type Parsed } from './result.ts';
export { parseText, parseId, foldWidth, isMissingText } from './text.ts';
export {
  parseNumber,
  parseInteger,
  parseMoney,
  roundCents,
  detectDecimalSeparator,
  type DecimalSeparator,
  type NumberOptions,
} from './numbers.ts';
export {
  parseDate,
  dateParser,
  dateStyleOf,
  detectDateOrder,
  detectDateStyle,
  type DateOrder,
  type DateStyle,
  type DateOptions,
} from './dates.ts';
export {
  parseGender,
  parseStatus,
  parseBoolean,
  parseArm,
  parseEventType,
  type Gender,
  type OrderStatus,
  type CampaignArm,
  type EventType,
} from './enums.ts';

/** What a column's values are read with; the importer records it with the run. */
export interface ColumnOptions {
  dateOrder?: DateOrder;
  dateStyle?: DateStyle;
  decimal?: DecimalSeparator;
  /** Read "15%" as 0.15 in number columns (never in money). */
  percent?: boolean;
}

/** A stored value: what the workspace tables hold (yes/no as 1/0). */
export type StoredValue = string | number;

/** Options for a column of `type`, decided from sample cells (e.g. the first thousand rows). */
export function detectColumnOptions(type: FieldType, samples: readonly Cell[]): ColumnOptions {
  switch (type) {
    case 'date':
      return { dateOrder: detectDateOrder(samples), dateStyle: detectDateStyle(samples) };
    case 'money':
    case 'number':
    case 'integer':
      return { decimal: detectDecimalSeparator(samples) };
    default:
      return {};
  }
}

/** The per-cell parser of a column of `type`, with its options fixed once. */
export function columnParser(type: FieldType, options: ColumnOptions = {}): (cell: Cell) => Parsed<StoredValue> {
  const numbers: NumberOptions = { decimal: options.decimal ?? '.', percent: !!options.percent };
  switch (type) {
    case 'id':
      return parseId;
    case 'text':
      return parseText;
    case 'money':
      return (cell) => parseMoney(cell, numbers);
    case 'number':
      return (cell) => parseNumber(cell, numbers);
    case 'integer':
      return (cell) => parseInteger(cell, numbers);
    case 'date':
      return dateParser({ order: options.dateOrder ?? 'mdy', style: options.dateStyle ?? 'text' });
    case 'gender':
      return parseGender;
    case 'status':
      return parseStatus;
    case 'boolean':
      return (cell) => {
        const b = parseBoolean(cell);
        return b === null || isFailure(b) ? b : b ? 1 : 0;
      };
    case 'arm':
      return parseArm;
    case 'event-type':
      return parseEventType;
  }
}
