/** Picks the field delimiter of a text file from its first records. */

import { ImportError } from '../types.ts';
import { DelimitedParser } from './delimited-parser.ts';

export type TextLayout = { format: 'delimited'; delimiter: string } | { format: 'whitespace'; delimiter: null };

const CANDIDATES = [',', '\t', ';', '|'];
const SAMPLE_RECORDS = 50;

/**
 * The candidate whose records most consistently have the same number (> 1) of
 * fields wins; quotes are honoured, so delimiters inside quoted text don't count.
 * Failing that, columns separated by runs of spaces; failing that, one column.
 */
export function sniffDelimiter(text: string, complete: boolean): TextLayout {
  let best: { delimiter: string; share: number; fields: number } | null = null;
  for (const delimiter of CANDIDATES) {
    const parser = new DelimitedParser(delimiter);
    parser.push(text);
    if (complete) parser.end();
    const counts = parser
      .take()
      .slice(0, SAMPLE_RECORDS)
      .map((r) => r.values.length);
    const { value: fields, share } = mode(counts);
    if (fields < 2) continue;
    if (!best || share > best.share || (share === best.share && fields > best.fields)) {
      best = { delimiter, share, fields };
    }
  }
  if (best && best.share >= 0.5) return { format: 'delimited', delimiter: best.delimiter };

  const lines = text.split(/\r\n|\n|\r/);
  if (!complete) lines.pop(); // possibly cut
  const counts = lines
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .slice(0, SAMPLE_RECORDS)
    .map((l) => l.split(/\s+/).length);
  const spaced = mode(counts);
  if (spaced.value > 1 && spaced.share >= 0.8) return { format: 'whitespace', delimiter: null };

  return { format: 'delimited', delimiter: best?.delimiter ?? ',' };
}

/** The most frequent value and the share of items having it. */
function mode(values: number[]): { value: number; share: number } {
  const freq = new Map<number, number>();
  let value = 0;
  let top = 0;
  for (const v of values) {
    const n = (freq.get(v) ?? 0) + 1;
    freq.set(v, n);
    if (n > top || (n === top && v > value)) {
      top = n;
      value = v;
    }
  }
  return { value, share: values.length === 0 ? 0 : top / values.length };
}

/** Accepts a delimiter as typed by a user: ",", "\\t", "tab", "semicolon"… */
export function parseDelimiter(input: string): string {
  const named: Record<string, string> = {
    '\\t': '\t',
    tab: '\t',
    comma: ',',
    semicolon: ';',
    pipe: '|',
    space: ' ',
  };
  const delimiter = named[input.trim().toLowerCase()] ?? input;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ImportError(`Unusable delimiter "${input}": use one character such as , ; | or tab.`);
  }
  return delimiter;
}
