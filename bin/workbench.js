#!/usr/bin/env node
// The CLI runs the TypeScript sources directly with Node's type stripping, so
// `npx workbench` works straight after `npm install`, with no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`workbench needs Node.js 24 or newer; this is ${process.version}.`);
  process.exit(1);
}
// Node keeps the type-stripped, compiled modules in a cache keyed by their source (a changed file is compiled
// again): a call then starts in about 0.4 s instead of 1.4 s. The variable hands the cache to the worker threads
// (jobs, figures) and the model process, which start with the same module graph.
const { enableCompileCache } = await import('node:module');
const cache = enableCompileCache?.();
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
await import('../src-main/cli/main.ts');
