/** `workbench model …`: the local model library (GGUF files kept where they are, registered in a models folder). */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { machineFacts } from '../../core/llm/fit.ts';
import { addModel, listModels, RECOMMENDED_MODELS, type ModelEntry } from '../../core/llm/models.ts';
import { CliError, print } from '../shared.ts';

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
  const model = program.command('model').description('local GGUF models: list, add, recommended');

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
    .command('recommended')
    .description('small instruct models that write good Chinese and English (shown, never downloaded)')
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
