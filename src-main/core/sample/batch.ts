/**
 * Multi-row INSERT: rows are buffered and written 100 at a time with one
 * `INSERT … VALUES (…), (…), …` statement, which roughly halves the per-row
 * cost of crossing into SQLite for narrow rows. Foreign keys are checked per
 * statement, so a batch first flushes the batches its rows reference.
 */
import type Database from 'better-sqlite3';
import type { Db } from '../db/workspace.ts';

type Value = string | number | null;
const ROWS = 100;

export class BatchInsert {
  private readonly width: number;
  private readonly many: Database.Statement<unknown[]>;
  private readonly one: Database.Statement<unknown[]>;
  private readonly parents: readonly BatchInsert[];
  private readonly values: Value[] = [];

  constructor(db: Db, table: string, columns: readonly string[], parents: readonly BatchInsert[] = []) {
    this.width = columns.length;
    const tuple = `(${columns.map(() => '?').join(',')})`;
    const head = `INSERT INTO ${table}(${columns.join(',')}) VALUES `;
    this.many = db.prepare<unknown[]>(head + Array<string>(ROWS).fill(tuple).join(','));
    this.one = db.prepare<unknown[]>(head + tuple);
    this.parents = parents;
  }

  add(...row: Value[]): void {
    for (const v of row) this.values.push(v);
    if (this.values.length === ROWS * this.width) this.flush();
  }

  flush(): void {
    for (const p of this.parents) p.flush();
    const v = this.values;
    if (v.length === ROWS * this.width) this.many.run(v);
    else for (let i = 0; i < v.length; i += this.width) this.one.run(v.slice(i, i + this.width));
    v.length = 0;
  }
}
