/** `workbench model …`: the local model library (GGUF files kept where they are, registered in a models folder). */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { downloadModel, resolveModelUrl, type DownloadProgress } from '../../core/llm/download.ts';
import { machineFacts } from '../../core/llm/fit.ts';
import { addModel, listModels, RECOMMENDED_MODELS, type ModelEntry } from '../../core/llm/models.ts';
import { CliError, print } from '../shared.ts';
import { abortOnSigint } from './llm-runtime.ts';

/** The CLI's models folder; the desktop app keeps its own under its data folder. */
const defaultDir = () => process.env['WORKBENCH_MODELS'] ?? join(homedir(), '.merchant-workbench', 'models');

function describe(m: ModelEntry): string {
  if (!m.header) return `${m.fileName}: ${m.error ?? 'unreadable'}`;
  const h = m.header;
  const gb = (h.fileSize / 1e9).toFixed(2);
  const fit = m.fit ? `${m.fit.verdict} (${m.fit.placement})` : '';
  return `${m.fileName}  ${h.architecture} ${h.quantization ?? ''} ctx ${h.contextLength ?? '?'}  ${gb} GB  ${fit}`;
}

export function registerModel(program: Command): void {
  const model = program.command('model').description('local GGUF models: list, add, download, recommended');

  model
    .command('list')
    .description("models in the models folder and registered elsewhere, with a fits / may be slow / won't fit estimate")
    .option('--dir <folder>', 'models folder (default: ~/.merchant-workbench/models or $WORKBENCH_MODELS)')
    .option('--context <n>', 'context size the estimate assumes', (v) => Number.parseInt(v, 10), 4096)
    .option('--json', 'print JSON')
    .action((o: { dir?: string; context: number; json?: boolean }) => {
      const models = listModels(o.dir ?? defaultDir(), { machine: machineFacts(), contextSize: o.context });
      print(!!o.json, models, () => {
        if (!models.length)
          console.log('no models yet: `workbench model add FILE.gguf`, or see `workbench model recommended`');
        for (const m of models) console.log(describe(m));
      });
    });

  model
    .command('add')
    .description('register a GGUF file where it is (it is not copied)')
    .argument('<file>', 'GGUF model file')
    .option('--dir <folder>', 'models folder')
    .option('--json', 'print JSON')
    .action((file: string, o: { dir?: string; json?: boolean }) => {
      if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
      let entry: ModelEntry;
      try {
        entry = addModel(o.dir ?? defaultDir(), resolve(file), { machine: machineFacts() });
      } catch (err) {
        throw new CliError(`${file} is not a usable GGUF model: ${(err as Error).message}`);
      }
      print(!!o.json, entry, () => console.log(describe(entry)));
    });

  model
    .command('download')
    .description('download a GGUF model (Ctrl-C pauses; the same command resumes), checked before it is kept')
    .argument('<url>', 'http(s) URL or hf:owner/repo/file.gguf (Hugging Face, main branch)')
    .option('--sha256 <hex>', 'expected SHA-256; the file is kept only when it matches')
    .option('--dir <folder>', 'models folder')
    .option('--name <file>', 'save under this file name (default: the last part of the URL)')
    .option('--retries <n>', 'failed attempts in a row before giving up', (v) => Number.parseInt(v, 10), 5)
    .option('--json', 'print JSON')
    .action(
      async (url: string, o: { sha256?: string; dir?: string; name?: string; retries: number; json?: boolean }) => {
        const stop = abortOnSigint();
        const show = downloadProgress();
        try {
          const token = process.env['HF_TOKEN'];
          const result = await downloadModel(url, {
            dir: o.dir ?? defaultDir(),
            retries: o.retries,
            signal: stop.signal,
            onProgress: show,
            ...(o.sha256 ? { sha256: o.sha256 } : {}),
            ...(o.name ? { fileName: o.name } : {}),
            // Sent to huggingface.co only: fetch drops Authorization when a redirect leaves for the CDN's host.
            ...(token && isHuggingFace(url) ? { headers: { authorization: `Bearer ${token}` } } : {}),
          });
          if (result.status === 'paused') {
            throw new CliError(
              `paused at ${mb(result.bytes)}${result.total ? ` of ${mb(result.total)}` : ''}; run the same command again to resume`,
            );
          }
          print(!!o.json, result, () =>
            console.log(
              `${result.status === 'present' ? 'already there' : 'downloaded'}: ${result.path} (${mb(result.bytes)}, sha256 ${result.sha256})`,
            ),
          );
        } finally {
          show.end();
          stop.dispose();
        }
      },
    );

  model
    .command('recommended')
    .description('small instruct models that write good Chinese and English (fetch one with `model download`)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      print(!!o.json, RECOMMENDED_MODELS, () => {
        for (const m of RECOMMENDED_MODELS) {
          console.log(
            `${m.name} (${m.parameters}, ${m.quantization}, ~${(m.sizeBytes / 1e9).toFixed(1)} GB, ${m.licence})\n  ${m.url}`,
          );
        }
      });
    });
}

const isHuggingFace = (spec: string): boolean => new URL(resolveModelUrl(spec)).hostname === 'huggingface.co';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Download progress on stderr: in place on a terminal, a line every few seconds otherwise. */
function downloadProgress(): ((p: DownloadProgress) => void) & { end: () => void } {
  let last = 0;
  let drawn = false;
  const show = (p: DownloadProgress): void => {
    const now = Date.now();
    const tty = !!process.stderr.isTTY;
    if (now - last < (tty ? 200 : 5000)) return;
    last = now;
    const pct = p.total ? ` (${((100 * p.received) / p.total).toFixed(1)}%)` : '';
    const line = `${mb(p.received)}${p.total ? ` of ${mb(p.total)}` : ''}${pct}`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    drawn = tty;
  };
  return Object.assign(show, {
    end: () => {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  });
}
