#!/usr/bin/env node
// The CLI runs the TypeScript sources directly with Node's type stripping, so
// `npx workbench` works straight after `npm install`, with no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`workbench needs Node.js 24 or newer; this is ${process.version}.`);
  process.exit(1);
}
await import('../src-main/cli/main.ts');
