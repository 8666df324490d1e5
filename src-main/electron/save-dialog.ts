/**
 * The save dialog's options for a file the renderer wants written (a report,
 * an export). The renderer only suggests a name; where it goes is the user's
 * choice, and that choice becomes a 'save' grant (path-grants.ts).
 */
import { basename, join } from 'node:path';

export interface SaveDialogOptions {
  defaultPath: string;
  filters: { name: string; extensions: string[] }[];
  properties: ('createDirectory' | 'showOverwriteConfirmation')[];
}

const KNOWN: Record<string, string> = {
  html: 'HTML report',
  pdf: 'PDF report',
  xlsx: 'Excel workbook',
  csv: 'CSV table',
};

/** A bare file name from whatever the renderer suggested: no folders, nothing a file system rejects. */
export function safeSuggestedName(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : '';
  const name = basename(text.replaceAll('\\', '/'))
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(-200);
  return name === '' ? 'export' : name;
}

export function saveDialogOptions(suggested: unknown, folder: string): SaveDialogOptions {
  const name = safeSuggestedName(suggested);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  const label = KNOWN[ext];
  return {
    defaultPath: join(folder, name),
    filters: label ? [{ name: label, extensions: [ext] }] : [{ name: 'All files', extensions: ['*'] }],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
}
