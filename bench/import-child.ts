/** Imports one file in a fresh process and prints {seconds, maxRssMb, result} as JSON (peak RSS is per process). */
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { runImport } from '../src-main/core/import/importer.ts';
import type { JobContext } from '../src-main/core/jobs/context.ts';

const [file, dbPath] = process.argv.slice(2) as [string, string];
const db = openWorkspace(dbPath);
const ctx: JobContext = { dbPath, progress() {}, cancelled: false, throwIfCancelled() {} };
const t0 = performance.now();
const result = await runImport(db, { path: file }, ctx);
const seconds = (performance.now() - t0) / 1000;
db.close();
const { errors: _e, ...summary } = result;
console.log(JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, result: summary }));
