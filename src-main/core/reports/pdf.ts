/**
 * HTML → PDF. The CLI and the browser server print with a headless Chromium
 * found on the machine; the Electron app can pass its own printer
 * (webContents.printToPDF) through the same PdfPrinter signature.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../jobs/context.ts';

/** Prints the HTML file at htmlPath to a PDF at pdfPath. */
export type PdfPrinter = (htmlPath: string, pdfPath: string) => Promise<void>;

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
];

/** WORKBENCH_CHROMIUM first, then the usual install places; null when none is there. */
export function findChromium(): string | null {
  const fromEnv = process.env.WORKBENCH_CHROMIUM;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

const TIMEOUT_MS = 120_000;

/** The path of a Chromium to print with, or a UserError that says how to get one. */
export function requireChromium(): string {
  const exe = findChromium();
  if (!exe) {
    throw new UserError(
      'PDF export needs Chromium or Chrome, and none was found (looked for /usr/bin/chromium and the usual places; ' +
        'set WORKBENCH_CHROMIUM to its path). Install it (Debian/Ubuntu: apt-get install chromium), ' +
        'or export HTML and print it from a browser.',
    );
  }
  return exe;
}

/** Headless Chromium's --print-to-pdf, with a throwaway profile so parallel runs do not share a lock. */
export const chromiumPrinter: PdfPrinter = async (htmlPath, pdfPath) => {
  const exe = requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'wb-chromium-'));
  try {
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-pdf-header-footer',
      `--user-data-dir=${profile}`,
      `--print-to-pdf=${pdfPath}`,
      pathToFileURL(htmlPath).href,
    ];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => {
        stderr = (stderr + b.toString()).slice(-4000);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${exe}: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0 && existsSync(pdfPath) && statSync(pdfPath).size > 0) resolve();
        else reject(new Error(`${exe} did not print the PDF (exit ${code ?? signal}): ${stderr.trim().slice(-500)}`));
      });
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
};
