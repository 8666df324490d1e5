/**
 * Where a report is written. In the desktop app the user chooses in the main process's save dialog, which grants
 * that one path for this window (src-main/electron/path-grants.ts); any other path outside the workspaces folder
 * is refused before the core sees it. Browser mode has no dialog: the core writes beside the workspace and the
 * page offers a download link.
 */

/** The part of the transport this needs (api/transport.ts; kept structural so Node-side tests need no DOM types). */
export interface SaveDialogDoor {
  /** Desktop only: the native save dialog; null when cancelled. */
  pickSaveFile?: (suggestedName: string) => Promise<string | null>;
}

/** The name the save dialog suggests: report-YYYY-MM-DD-HHMMSS.<format>, local time. */
export function suggestedReportName(format: string, now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
  const time = `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  return `report-${day}-${time}.${format}`;
}

/**
 * The report.create `out` field: `{ out }` with the user's choice, `{}` where the core picks (browser mode), or
 * null when the user cancelled the dialog (then nothing is written).
 */
export async function reportTarget(
  transport: SaveDialogDoor,
  format: string,
  now: Date = new Date(),
): Promise<{ out?: string } | null> {
  if (!transport.pickSaveFile) return {};
  const chosen = await transport.pickSaveFile(suggestedReportName(format, now));
  return chosen === null ? null : { out: chosen };
}
