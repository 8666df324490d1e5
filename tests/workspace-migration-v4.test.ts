// Schema v4 on a workspace written by the previous version: personas get the language they were written in, and
// review analyses get a place to record failures. Built from the real v1–v3 migrations, then opened by the app.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestVersion, migrations } from '../src-main/core/db/migrations.ts';
import { openWorkspace, schemaVersion } from '../src-main/core/db/workspace.ts';
import { readPersonas } from '../src-main/core/llm/tasks/persona.ts';
import { readReviewFailures } from '../src-main/core/llm/tasks/reviews.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const persona = (name: string, portrait: string) =>
  JSON.stringify({
    name,
    portrait,
    motivations: ['m'],
    preferredChannels: ['sms'],
    offersToTry: ['o'],
    risks: ['r'],
  });

function versionThreeFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wb-v4-'));
  dirs.push(dir);
  const path = join(dir, 'v3.db');
  const old = new Database(path);
  for (const m of migrations.filter((m) => m.version <= 3)) old.exec(m.sql);
  old.pragma('user_version = 3');
  const insert = old.prepare(
    `INSERT INTO personas (scope, subject, persona, model, created_at) VALUES ('segment', ?, ?, 'old.gguf', 1)`,
  );
  insert.run('Champions', persona('精打细算的老顾客', '经常购买'));
  insert.run('At Risk', persona('Lapsing Regular', 'Used to buy monthly.'));
  old.close();
  return path;
}

describe('schema v4', () => {
  it('upgrades a v3 file: personas keep their rows and learn their language', () => {
    expect(latestVersion).toBeGreaterThanOrEqual(4);
    const db = openWorkspace(versionThreeFile());
    expect(schemaVersion(db)).toBe(latestVersion);
    const byName = Object.fromEntries(readPersonas(db).map((p) => [p.subject, p.language]));
    expect(byName).toEqual({ Champions: 'zh', 'At Risk': 'en' });
    expect(() => db.prepare(`UPDATE personas SET language = 'fr' WHERE subject = 'Champions'`).run()).toThrow(
      /CHECK constraint/,
    );
    db.close();
  });

  it('adds review_insight_failures, tied to the review (deleting the review deletes its failure)', () => {
    const db = openWorkspace(versionThreeFile());
    const review = db
      .prepare(`INSERT INTO reviews (text, created_at) VALUES ('slow delivery', 0)`)
      .run().lastInsertRowid;
    db.prepare(
      `INSERT INTO review_insight_failures (review_id, error, model, failed_at) VALUES (?, 'cut off', 'm.gguf', 5)`,
    ).run(review);
    expect(readReviewFailures(db)).toEqual([
      { reviewId: Number(review), error: 'cut off', attempts: 1, model: 'm.gguf', failedAt: 5 },
    ]);
    db.prepare('DELETE FROM reviews WHERE id = ?').run(review);
    expect(readReviewFailures(db)).toEqual([]);
    db.close();
  });
});
