/**
 * What a drop on the import area hands over. Pure, so it is unit-tested without a DOM:
 * the importer takes one file at a time, and in the desktop app the file is read in
 * place from its path on disk (webUtils.getPathForFile through the preload), which
 * something dragged out of a browser or an archive viewer does not have.
 */

export type DropOutcome<F> = { kind: 'file'; file: F } | { kind: 'none' } | { kind: 'several'; count: number };

/** The one dropped file; several are refused rather than silently cut to the first. */
export function droppedFile<F>(files: ArrayLike<F> | null | undefined): DropOutcome<F> {
  const count = files?.length ?? 0;
  if (count === 0) return { kind: 'none' };
  if (count > 1) return { kind: 'several', count };
  const file = files?.[0];
  return file === undefined ? { kind: 'none' } : { kind: 'file', file };
}

/** Desktop: the file's path on disk, or null when it has none (Electron answers ''). */
export function pathOnDisk<F>(file: F, pathForFile: (file: F) => string): string | null {
  const path = pathForFile(file);
  return path.trim() === '' ? null : path;
}
