/**
 * A JSON document holding a list of objects, streamed with stream-json's
 * tokenizer so that only one object is in memory at a time. The list is the
 * top-level array, or else the first property of the top-level object whose
 * value is an array starting with an object ({"orders":[{…},…]}).
 */

import { jsonParser } from 'stream-json/parser.js';
import type { Token } from 'stream-json/parser.js';
import { ImportError } from '../types.ts';
import { MIN_BATCH, slices } from './batches.ts';
import { flattenObject, isPlainObject, jsonNumber } from './json-values.ts';
import type { KeyedRecord } from './json-values.ts';

/** stream-chain's end-of-input marker (a registered symbol, so no import of that package is needed). */
const FLUSH = Symbol.for('object-stream.none') as unknown as string;

export async function* jsonArrayRecords(text: AsyncIterable<string>, label: string): AsyncGenerator<KeyedRecord[]> {
  const tokenizer = jsonParser({ packValues: true, streamValues: false });
  const positions = new JsonPositions();
  const list = new ListReader(positions);
  const feed = (input: string): void => {
    let result: unknown;
    try {
      result = tokenizer(input);
    } catch (error) {
      const reason = (error as Error).message.replace(/^Parser (cannot parse input: |has )/, '');
      throw new ImportError(`"${label}" is not valid JSON (near line ${positions.line}): ${reason}.`);
    }
    const tokens = (result as { values?: Token[] }).values;
    if (tokens) list.consume(tokens);
  };

  for await (const chunk of text) {
    positions.scan(chunk);
    feed(chunk);
    if (list.records.length >= MIN_BATCH) yield* slices(list.take());
    if (list.finished) break; // what follows the list is not read
  }
  if (!list.finished) feed(FLUSH);
  if (!list.found)
    throw new ImportError(`"${label}" holds no list of records: expected [{…}, …] or {"name": [{…}, …]}.`);
  yield* slices(list.take());
}

type Container = Record<string, unknown> | unknown[];

/** Finds the list of records in the token stream and assembles its elements one at a time. */
class ListReader {
  records: KeyedRecord[] = [];
  found = false;
  finished = false;
  private depth = 0;
  /** seek: looking for the list; candidate: in an array whose first element decides; skip: in an array of non-objects. */
  private mode: 'seek' | 'candidate' | 'skip' | 'records' = 'seek';
  private topIsObject = false;
  /** Depth at which the list's elements start. */
  private elementDepth = 0;
  private elementLine = 0;
  private readonly stack: Container[] = [];
  private readonly keys: string[] = [];
  private readonly positions: JsonPositions;

  constructor(positions: JsonPositions) {
    this.positions = positions;
  }

  take(): KeyedRecord[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  consume(tokens: Token[]): void {
    for (const token of tokens) {
      if (this.finished) return;
      switch (token.name) {
        case 'startObject':
        case 'startArray':
          this.start(token.name === 'startObject');
          break;
        case 'endObject':
        case 'endArray':
          this.end();
          break;
        case 'keyValue':
          if (this.stack.length > 0) this.keys[this.stack.length - 1] = token.value;
          break;
        case 'stringValue':
          this.value(token.value);
          break;
        case 'numberValue':
          this.value(jsonNumber(token.value));
          break;
        case 'nullValue':
          this.value(null);
          break;
        case 'trueValue':
          this.value(true);
          break;
        case 'falseValue':
          this.value(false);
          break;
        default:
          break;
      }
    }
  }

  private start(isObject: boolean): void {
    const depth = this.depth++;
    // JsonPositions queued a line for every container that opens at depth 0–2.
    const line = depth <= 2 ? this.positions.take() : 0;
    if (this.stack.length > 0) {
      this.open(isObject);
      return;
    }
    if (this.mode === 'candidate' && depth === this.elementDepth) {
      if (!isObject) {
        this.mode = 'skip';
        return;
      }
      this.mode = 'records';
      this.found = true;
    }
    if (this.mode === 'records' && depth === this.elementDepth) {
      this.elementLine = line;
      this.open(isObject);
      return;
    }
    if (this.mode !== 'seek') return;
    if (depth === 0) {
      if (isObject) this.topIsObject = true;
      else {
        this.mode = 'records';
        this.found = true;
        this.elementDepth = 1;
      }
    } else if (depth === 1 && this.topIsObject && !isObject) {
      this.mode = 'candidate';
      this.elementDepth = 2;
    }
  }

  private end(): void {
    const depth = --this.depth;
    if (this.stack.length > 0) {
      const done = this.stack.pop()!;
      if (this.stack.length === 0) this.emit(done);
      return;
    }
    if (this.mode === 'records' && depth === this.elementDepth - 1) {
      this.finished = true;
    } else if ((this.mode === 'candidate' || this.mode === 'skip') && depth === 1) {
      this.mode = 'seek'; // an empty array or one of non-objects: keep looking
    }
  }

  private value(value: unknown): void {
    if (this.stack.length > 0) {
      this.attach(value);
    } else if (this.mode === 'records' && this.depth === this.elementDepth) {
      this.records.push({ line: this.positions.line, fields: null, error: 'not a JSON object' });
    } else if (this.mode === 'candidate' && this.depth === this.elementDepth) {
      this.mode = 'skip';
    }
  }

  private open(isObject: boolean): void {
    // Null-prototype objects: a "__proto__" key is plain data.
    const container: Container = isObject ? (Object.create(null) as Record<string, unknown>) : [];
    if (this.stack.length > 0) this.attach(container);
    this.stack.push(container);
  }

  private attach(value: unknown): void {
    const level = this.stack.length - 1;
    const parent = this.stack[level]!;
    if (Array.isArray(parent)) parent.push(value);
    else parent[this.keys[level]!] = value;
  }

  private emit(element: Container): void {
    this.records.push(
      isPlainObject(element)
        ? { line: this.elementLine, fields: flattenObject(element) }
        : { line: this.elementLine, fields: null, error: 'not a JSON object' },
    );
  }
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * stream-json's tokens carry no positions, so this scans the same text for the
 * line where each container at depth 0–2 opens (the list, and its elements
 * whether the list is top-level or a property). ListReader takes one line per
 * such container, in order.
 */
export class JsonPositions {
  line = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private afterCR = false;
  private queue: number[] = [];
  private head = 0;

  scan(s: string): void {
    let line = this.line;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let afterCR = this.afterCR;
    const queue = this.queue;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === LF) {
        if (!afterCR) line++;
        afterCR = false;
        continue;
      }
      afterCR = c === CR;
      if (afterCR) line++;
      else if (c === QUOTE) inString = true;
      else if (c === 123 || c === 91) {
        // { [
        if (depth <= 2) queue.push(line);
        depth++;
      } else if (c === 125 || c === 93) depth--; // } ]
    }
    this.line = line;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.afterCR = afterCR;
  }

  /** Line of the next queued container start. */
  take(): number {
    const line = this.queue[this.head++] ?? this.line;
    if (this.head > 4096) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return line;
  }
}
