/**
 * The Reports view's save target: in the desktop app the path the user chose in the main process's save dialog
 * (granted for the window, so the path guard lets report.create write it), nothing written when the dialog is
 * cancelled, and in browser mode no path at all (the core writes beside the workspace, the page downloads).
 * The bridge is a plain object here: Electron does not run under vitest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PathGrants, PathGuard } from '../src-main/electron/path-grants.ts';
import { saveDialogOptions } from '../src-main/electron/save-dialog.ts';
import { reportTarget, suggestedReportName } from '../src-renderer/src/components/reports/report-target.ts';

const NOW = new Date(2026, 10, 22, 9, 5, 7);

describe('reportTarget', () => {
  const home = mkdtempSync(join(tmpdir(), 'wb-report-target-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('suggests a dated name with the format as its extension', () => {
    expect(suggestedReportName('pdf', NOW)).toBe('report-2026-11-22-090507.pdf');
    // The main process keeps it as the dialog's default name and filters on its extension.
    const options = saveDialogOptions(suggestedReportName('xlsx', NOW), home);
    expect(options.defaultPath).toBe(join(home, 'report-2026-11-22-090507.xlsx'));
    expect(options.filters).toEqual([{ name: 'Excel workbook', extensions: ['xlsx'] }]);
  });

  it('desktop: asks the save dialog and writes where the user chose, which the path guard then accepts', async () => {
    const asked: string[] = [];
    const chosen = join(home, 'Desktop report.html');
    const grants = new PathGrants();
    const window = 7;
    const bridge = {
      // What the main process does on PICK_SAVE_CHANNEL: the user's choice becomes a save grant.
      pickSaveFile: (name: string) => {
        asked.push(name);
        grants.grant(window, chosen, 'save');
        return Promise.resolve(chosen);
      },
    };
    const target = await reportTarget(bridge, 'html', NOW);
    expect(asked).toEqual(['report-2026-11-22-090507.html']);
    expect(target).toEqual({ out: chosen });

    const guard = new PathGuard({ grants, areas: () => ({ workspaces: join(home, 'workspaces') }) });
    const input = { format: 'html', lang: 'en', sections: ['overview'], ...target };
    expect(() => guard.check(window, 'report.create', input)).not.toThrow();
    // Without the dialog's grant the same path is refused (another window, or a path the renderer made up).
    expect(() => guard.check(window + 1, 'report.create', input)).toThrow(/save dialog/);
    expect(() => guard.check(window, 'report.create', { ...input, out: join(home, 'other.html') })).toThrow(/refused/);
  });

  it('desktop: a cancelled dialog means no report', async () => {
    expect(await reportTarget({ pickSaveFile: () => Promise.resolve(null) }, 'pdf', NOW)).toBeNull();
  });

  it('browser mode: no dialog, no path (the core writes beside the workspace)', async () => {
    expect(await reportTarget({}, 'html', NOW)).toEqual({});
  });
});
