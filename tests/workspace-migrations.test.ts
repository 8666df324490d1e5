import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrations, latestVersion } from '../src-main/core/db/migrations.ts';
import { openWorkspace, schemaVersion } from '../src-main/core/db/workspace.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tempDir = () => mkdtempSync(join(tmpdir(), 'wb-migrate-'));

describe('workspace migrations', () => {
  it('upgrades a version-1 file in place, keeping its data', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    const first = migrations.find((m) => m.version === 1);
    if (!first) throw new Error('no version 1 migration');
    old.exec(first.sql);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO products (sku, title) VALUES ('A1', 'Tea')").run();
    old.close();

    const db = openWorkspace(path);
    expect(schemaVersion(db)).toBe(latestVersion);
    expect(latestVersion).toBeGreaterThanOrEqual(2);
    expect(db.prepare('SELECT title FROM products WHERE sku = ?').pluck().get('A1')).toBe('Tea');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['conversations', 'personas', 'review_insights', 'product_copy']));
    db.close();
  });

  it('refuses a file from a newer app instead of guessing', () => {
    const path = join(tempDir(), 'new.db');
    const future = new Database(path);
    future.pragma(`user_version = ${latestVersion + 1}`);
    future.close();
    expect(() => openWorkspace(path)).toThrow(/newer than this app/);
  });
});
