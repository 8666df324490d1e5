/** Which reader a file needs: by its magic bytes, its extension, then its first characters. */

import { extname } from 'node:path';
import { isPlainObject } from './json-values.ts';

/** ZIP ("PK\x03\x04", XLSX whatever its name) or the OLE container of legacy .xls / .doc files. */
export function containerOf(head: Uint8Array): 'zip' | 'ole' | null {
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  const ole = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
  if (ole.every((byte, i) => head[i] === byte)) return 'ole';
  return null;
}

export function extensionOf(path: string): string {
  return extname(path).toLowerCase();
}

/**
 * A text file's format. `text` is the decoded sample; `complete` says it is the
 * whole file. Delimited and whitespace files are told apart later, by sniffing.
 */
export function textFormat(path: string, text: string, complete: boolean): 'json' | 'ndjson' | 'text' | 'html' {
  const ext = extensionOf(path);
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.json') return looksLikeNdjson(text, complete, false) ? 'ndjson' : 'json';
  if (ext === '.csv' || ext === '.tsv' || ext === '.tab') return 'text';
  const first = text.trimStart().charAt(0);
  if (first === '[') return 'json';
  if (first === '{') return looksLikeNdjson(text, complete, true) ? 'ndjson' : 'json';
  // Some shop back-offices export HTML tables named .xls.
  if (first === '<') return 'html';
  return 'text';
}

/**
 * One object per line: the first line parses alone and the next starts with "{".
 * A single-line object counts as NDJSON only where `single` allows it (not for
 * a .json file) and when it does not wrap a list of records.
 */
export function looksLikeNdjson(text: string, complete: boolean, single: boolean): boolean {
  const lines = text.split(/\r\n|\n|\r/);
  if (!complete) lines.pop(); // possibly cut
  const filled = lines.filter((line) => line.trim().length > 0);
  const [first, second] = filled;
  if (first === undefined) return false;
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch {
    return false;
  }
  if (!isPlainObject(value)) return false;
  if (second !== undefined) return second.trimStart().startsWith('{');
  return single && !Object.values(value).some((v) => Array.isArray(v) && isPlainObject(v[0]));
}
