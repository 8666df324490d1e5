/**
 * Which workspace the desktop app opens: the last one used (remembered in a
 * small JSON file in userData), else the sample shop, created on first launch.
 * Plain fs, no Electron: the caller passes app.getPath('userData').
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SAMPLE_WORKSPACE = 'sample-shop.db';
export const STATE_FILE = 'workbench-state.json';
/** Customers in the sample shop generated on first launch. */
export const SAMPLE_CUSTOMERS = 20_000;

interface State {
  lastWorkspace?: string;
}

export function workspacesDir(userData: string): string {
  return join(userData, 'workspaces');
}

function readState(userData: string): State {
  try {
    const parsed = JSON.parse(readFileSync(join(userData, STATE_FILE), 'utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as State) : {};
  } catch {
    return {};
  }
}

export interface WorkspaceChoice {
  path: string;
  isSample: boolean;
  /** The file did not exist: the caller should fill it (sample generation). */
  created: boolean;
}

export function chooseWorkspace(userData: string): WorkspaceChoice {
  const dir = workspacesDir(userData);
  mkdirSync(dir, { recursive: true });
  const sample = join(dir, SAMPLE_WORKSPACE);
  const last = readState(userData).lastWorkspace;
  if (typeof last === 'string' && last !== '' && existsSync(last)) {
    return { path: last, isSample: last === sample, created: false };
  }
  return { path: sample, isSample: true, created: !existsSync(sample) };
}

/** Written via a temp file and rename so a crash never leaves half a JSON file. */
export function rememberWorkspace(userData: string, path: string): void {
  mkdirSync(userData, { recursive: true });
  const state: State = { ...readState(userData), lastWorkspace: path };
  const file = join(userData, STATE_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}
