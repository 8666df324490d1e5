/**
 * Finding a worker thread's entry file from the module that starts it. In the source tree the `.ts` entry sits
 * beside that module. The desktop bundle (electron.vite.config.ts) emits each entry as out/main/<name>.js, and the
 * starting code lands either in an entry beside it or in a shared chunk one level below (out/main/chunks/).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where to look, relative to the starting module, in order. */
export function workerEntryCandidates(source: string, bundled: string): string[] {
  return [`./${source}`, `./${bundled}`, `../${bundled}`];
}

/** The entry's URL, or null when this build ships no such file (callers then work on their own thread or fail clearly). */
export function workerEntry(from: string | URL, source: string, bundled: string): URL | null {
  // Names computed here, never literals inside `new URL(…)`: a bundler would rewrite those into assets.
  for (const name of workerEntryCandidates(source, bundled)) {
    const url = new URL(name, from);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return null;
}
