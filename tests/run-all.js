#!/usr/bin/env node
// `npm test`: the whole hermetic suite — typecheck, lint, format, unit and
// integration tests, the renderer build, and the browser end-to-end tests.
// Each check counts as one test; vitest's tests count one by one. Ends with the
// plain line "N passed, N failed" and a non-zero exit on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const reportDir = join(root, 'test-results');
mkdirSync(reportDir, { recursive: true });

let passed = 0;
let failed = 0;
const failures = [];

function step(name, command, args) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  console.log(`${ok ? '✔' : '✘'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

function check(name, command, args) {
  if (step(name, command, args)) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

/** Runs vitest with a JSON report and counts its tests; a crash with no report counts as one failure. */
function vitest(name, configArgs) {
  const out = join(reportDir, `${name}.json`);
  rmSync(out, { force: true });
  const ok = step(name, bin('vitest'), [
    'run',
    ...configArgs,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  if (!existsSync(out)) {
    failed++;
    failures.push(`${name} (no report)`);
    return;
  }
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  for (const file of report.testResults) {
    for (const t of file.assertionResults) if (t.status === 'failed') failures.push(`${name}: ${t.fullName}`);
    // A file that fails to load has no assertion results but a failed status.
    if (file.status === 'failed' && file.assertionResults.length === 0) {
      failed++;
      failures.push(`${name}: ${file.name} (${(file.message || 'failed to run').split('\n')[0]})`);
    }
  }
  if (report.numTotalTests === 0) {
    failed++;
    failures.push(`${name}: no tests ran`);
  }
  if (!ok && report.numFailedTests === 0 && failures.length === 0) {
    failed++;
    failures.push(`${name}: vitest exited non-zero`);
  }
}

check('typecheck (main, CLI, tests)', bin('tsc'), ['-p', 'tsconfig.node.json']);
check('typecheck (renderer)', bin('vue-tsc'), ['-p', 'tsconfig.web.json']);
check('lint', bin('eslint'), ['.', '--max-warnings', '0']);
check('format', bin('prettier'), ['--check', '.']);
vitest('unit-and-integration', []);
const built = step('build renderer', 'npm', ['run', 'build:renderer']);
if (built) passed++;
else {
  failed++;
  failures.push('build renderer');
}
if (existsSync(join(root, 'vitest.e2e.config.ts'))) {
  if (built) vitest('e2e', ['--config', 'vitest.e2e.config.ts']);
  else {
    failed++;
    failures.push('e2e (renderer did not build)');
  }
}

if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
