/**
 * Runs one import in this process and prints a line per progress report, so a
 * test can kill the process with SIGKILL at a chosen point of the import.
 */
import { openWorkspace } from '../../src-main/core/db/workspace.ts';
import { runImport } from '../../src-main/core/import/importer.ts';

const [file, dbPath] = process.argv.slice(2) as [string, string];
const db = openWorkspace(dbPath);
let n = 0;
await runImport(
  db,
  { path: file },
  {
    dbPath,
    progress: () => process.stdout.write(`progress ${++n}\n`),
    cancelled: false,
    throwIfCancelled() {},
  },
);
process.stdout.write('done\n');
db.close();
