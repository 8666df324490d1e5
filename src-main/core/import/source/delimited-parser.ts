/**
 * Streaming RFC 4180 parser over decoded text chunks. Hot path: one charCodeAt
 * loop per unquoted field and one slice per value; quoted fields jump from
 * quote to quote with indexOf. A record cut by the end of a chunk is parsed
 * again from its start once the next chunk arrives (records are short).
 */

import type { RawRecord } from '../types.ts';
import { ImportError } from '../types.ts';

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** A record this long means an unbalanced quote swallowing the file, not data. */
const MAX_RECORD_CHARS = 32 * 1024 * 1024;

export class DelimitedParser {
  private out: RawRecord[] = [];
  private rest = '';
  /** Physical line at the start of `rest`. */
  private line = 1;
  /** The last chunk ended with a CR that ended a line: a LF starting the next chunk belongs to it. */
  private skipLF = false;
  private readonly delim: number;
  private readonly delimiter: string;

  constructor(delimiter: string) {
    if (delimiter.length !== 1) throw new Error(`delimiter must be one character, got "${delimiter}"`);
    this.delim = delimiter.charCodeAt(0);
    this.delimiter = delimiter;
  }

  /** Complete records parsed so far. */
  get pending(): number {
    return this.out.length;
  }

  take(): RawRecord[] {
    const records = this.out;
    this.out = [];
    return records;
  }

  push(chunk: string): void {
    if (this.skipLF && chunk.length > 0) {
      this.skipLF = false;
      if (chunk.charCodeAt(0) === LF) chunk = chunk.slice(1);
    }
    if (this.rest.length === 0) this.parse(chunk, false, 0);
    else {
      // The record the last chunk cut mostly ends at this chunk's first LF: parse it with that piece alone, and the
      // rest of the chunk as the flat string it is (rest + chunk would be a rope, slower on every charCodeAt).
      const nl = chunk.indexOf('\n');
      if (nl >= 0) this.parse(this.rest + chunk.slice(0, nl + 1), false, 0);
      if (nl >= 0 && this.rest.length === 0) this.parse(chunk, false, nl + 1);
      else this.parse(this.rest + (nl >= 0 ? chunk.slice(nl + 1) : chunk), false, 0);
    }
    if (this.rest.length > MAX_RECORD_CHARS) {
      throw new ImportError(`Line ${this.line}: a record longer than 32 MB; is a quote (") never closed?`);
    }
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(): void {
    this.parse(this.rest, true, 0);
  }

  /** Parses s from `from` (a record start) on. */
  private parse(s: string, eof: boolean, from: number): void {
    const out = this.out;
    const d = this.delim;
    const len = s.length;
    let pos = from;
    let line = this.line;
    let recStart = from;
    let recLine = line;
    let incomplete = false;
    // Cursors to the next LF / CR / delimiter at or after where they were last looked up (-1: none; -2: not yet).
    let nextLF = -2;
    let nextCR = -2;
    let nextDelim = -2;
    const delimiter = this.delimiter;

    records: while (pos < len) {
      recStart = pos;
      recLine = line;
      let c = s.charCodeAt(pos);
      if (c === LF || c === CR) {
        // Blank line: counted, skipped.
        pos = this.afterNewline(s, pos, c, eof);
        line++;
        continue;
      }
      const values: string[] = [];
      let error: string | undefined;
      for (;;) {
        if (pos >= len) {
          // Only reached after a delimiter: the last field is empty.
          if (!eof) {
            incomplete = true;
            break records;
          }
          values.push('');
          break;
        }
        c = s.charCodeAt(pos);
        if (c === QUOTE) {
          let q = pos + 1;
          let seg = q;
          let parts: string[] | null = null;
          for (;;) {
            q = s.indexOf('"', q);
            if (q === -1 || q + 1 >= len) break;
            if (s.charCodeAt(q + 1) !== QUOTE) break;
            // A doubled quote stands for one quote.
            (parts ??= []).push(s.slice(seg, q + 1));
            q += 2;
            seg = q;
          }
          if (q === -1 || (q + 1 >= len && !eof)) {
            if (!eof) {
              // The closing quote (or the char after it) is in a later chunk.
              incomplete = true;
              break records;
            }
            q = len;
            error = 'a quoted field is never closed (missing ")';
          }
          let value = parts === null ? s.slice(pos + 1, q) : parts.join('') + s.slice(seg, q);
          // Newlines inside the quotes move the physical line on.
          if (nextLF !== -1 && nextLF < pos) nextLF = s.indexOf('\n', pos);
          while (nextLF !== -1 && nextLF < q) {
            line++;
            nextLF = s.indexOf('\n', nextLF + 1);
          }
          if (nextCR !== -1 && nextCR < pos) nextCR = s.indexOf('\r', pos);
          while (nextCR !== -1 && nextCR < q) {
            if (s.charCodeAt(nextCR + 1) !== LF) line++;
            nextCR = s.indexOf('\r', nextCR + 1);
          }
          pos = q + 1;
          if (pos < len) {
            c = s.charCodeAt(pos);
            if (c !== d && c !== LF && c !== CR) {
              // Text after the closing quote ("a"b) is kept, as spreadsheet programs do.
              let e = pos + 1;
              while (e < len && (c = s.charCodeAt(e)) !== d && c !== LF && c !== CR) e++;
              if (e >= len && !eof) {
                incomplete = true;
                break records;
              }
              value += s.slice(pos, e);
              pos = e;
            }
          }
          values.push(value);
        } else {
          // The field ends at the next delimiter or line break, found with indexOf (a memchr-like scan, faster than
          // a charCodeAt per character); the cursors only move forward, so each character is looked at once.
          if (nextLF !== -1 && nextLF < pos) nextLF = s.indexOf('\n', pos);
          if (nextCR !== -1 && nextCR < pos) nextCR = s.indexOf('\r', pos);
          if (nextDelim !== -1 && nextDelim < pos) nextDelim = s.indexOf(delimiter, pos);
          let e = nextDelim === -1 ? len : nextDelim;
          if (nextLF !== -1 && nextLF < e) e = nextLF;
          if (nextCR !== -1 && nextCR < e) e = nextCR;
          if (e >= len && !eof) {
            incomplete = true;
            break records;
          }
          values.push(s.slice(pos, e));
          pos = e;
        }
        if (pos >= len) break; // end of file ends the record
        c = s.charCodeAt(pos);
        if (c === d) {
          pos++;
          continue;
        }
        pos = this.afterNewline(s, pos, c, eof);
        line++;
        break;
      }
      // A line of spaces is blank too (a lone quoted "" is not: it is an explicit empty value).
      if (values.length === 1 && values[0]!.trim() === '' && s.charCodeAt(recStart) !== QUOTE) continue;
      out.push(error === undefined ? { line: recLine, values } : { line: recLine, values, error });
    }

    if (incomplete) {
      this.rest = recStart === 0 ? s : s.slice(recStart);
      this.line = recLine;
    } else {
      this.rest = '';
      this.line = line;
    }
  }

  /** Position after the line break at `pos` (LF, CRLF or CR). */
  private afterNewline(s: string, pos: number, c: number, eof: boolean): number {
    if (c === LF) return pos + 1;
    if (pos + 1 < s.length) return s.charCodeAt(pos + 1) === LF ? pos + 2 : pos + 1;
    if (!eof) this.skipLF = true;
    return pos + 1;
  }
}
