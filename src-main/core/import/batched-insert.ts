/**
 * Many rows per INSERT statement. Through better-sqlite3 each statement call
 * costs a few microseconds of binding and stepping whatever it writes; one
 * `INSERT … VALUES (…), (…), …` for 128 rows pays that once. SQLite still
 * inserts the rows one after the other, so an ON CONFLICT clause sees the
 * earlier rows of the same statement exactly as separate statements would.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/workspace.ts';

const ROWS_PER_STATEMENT = 128;

export class BatchedInsert {
  /** Statements for 128, 64, …, 1 rows: a flush's remainder takes at most one of each. */
  private readonly statements: { rows: number; statement: Statement; args: unknown[] }[] = [];
  private readonly width: number;
  private readonly returns: boolean;
  private readonly values: unknown[] = [];

  /**
   * `head` is the statement up to VALUES (`INSERT INTO t(a, b)`), `row` one
   * row's values (`(?, IFNULL(?, 0))`), `tail` what follows the rows (an ON
   * CONFLICT clause, RETURNING …).
   */
  constructor(db: Db, head: string, row: string, tail = '') {
    for (let rows = ROWS_PER_STATEMENT; rows >= 1; rows >>= 1) {
      const sql = `${head} VALUES ${Array.from({ length: rows }, () => row).join(', ')} ${tail}`;
      this.statements.push({ rows, statement: db.prepare(sql), args: [] });
    }
    this.width = row.split('?').length - 1;
    for (const s of this.statements) s.args = new Array<unknown>(s.rows * this.width);
    this.returns = this.statements[0]!.statement.reader;
  }

  get pending(): number {
    return this.values.length / this.width;
  }

  /**
   * Queues one row (its values in placeholder order), written by the next
   * flush at the latest — or now, when a full statement's worth is queued and
   * nothing is RETURNed (a statement with RETURNING waits for the caller's flush).
   */
  push(...row: unknown[]): void {
    for (const v of row) this.values.push(v);
    if (!this.returns && this.values.length >= ROWS_PER_STATEMENT * this.width) this.flush();
  }

  /**
   * Writes `count` rows now, nothing queued: `fill(args, at, row)` puts row
   * `row`'s values at `args[at…]`. Each statement size has its own argument
   * array, refilled in place — no per-row arrays or copies on the hot path.
   */
  write(count: number, fill: (args: unknown[], at: number, row: number) => void): void {
    let row = 0;
    for (const { rows, statement, args } of this.statements) {
      for (; row + rows <= count; row += rows) {
        for (let r = 0; r < rows; r++) fill(args, r * this.width, row + r);
        statement.run(args);
      }
    }
  }

  /** Writes the queued rows in order; returns what RETURNING gave (empty without RETURNING). */
  flush(): unknown[] {
    const values = this.values;
    const out: unknown[] = [];
    let i = 0;
    for (const { rows, statement } of this.statements) {
      const size = rows * this.width;
      for (; i + size <= values.length; i += size) {
        const args = values.slice(i, i + size);
        if (this.returns) for (const r of statement.all(args)) out.push(r);
        else statement.run(args);
      }
    }
    values.length = 0;
    return out;
  }
}
