/**
 * Imports one file in a fresh process through the job runner — the worker
 * thread the app, the CLI and browser mode use — and prints
 * {seconds, cpuSeconds, maxRssMb, result} as JSON (peak RSS and CPU time are per process).
 */
import { enableCompileCache } from 'node:module';

// As bin/workbench.js does for every CLI call: type-stripped, compiled modules come from Node's cache, in this
// thread and in the job and reader threads (the variable hands the cache on), instead of ~0.3 s per thread.
const cache = enableCompileCache?.();
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
const { JobRunner } = await import('../src-main/core/jobs/runner.ts');

const [file, dbPath] = process.argv.slice(2) as [string, string];
const runner = new JobRunner(dbPath);
const t0 = performance.now();
const job = await runner.wait(runner.start('import', { path: file }).id);
const seconds = (performance.now() - t0) / 1000;
if (job.status !== 'completed') throw new Error(`import ${job.status}: ${job.error}`);
const { errors: _e, ...summary } = job.result as { errors: unknown };
const usage = process.resourceUsage(); // all threads of the process: runner, job worker, reader thread
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
console.log(JSON.stringify({ seconds, cpuSeconds, maxRssMb: usage.maxRSS / 1024, result: summary }));
