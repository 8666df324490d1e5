/**
 * What the CLI's model commands share: the --model/--threads/--context/--gpu
 * options, starting the runtime with a loaded model, and Ctrl-C as an abort.
 */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { LlmGpu } from '../../core/llm/protocol.ts';
import { LlmRuntime } from '../../core/llm/runtime.ts';
import { CliError } from '../shared.ts';

export const int = (v: string): number => Number.parseInt(v, 10);

export interface RuntimeCliOptions {
  model: string;
  threads?: number;
  context: number;
  gpu: string;
}

/** Adds --model (required), --threads, --context and --gpu. */
export function addRuntimeOptions(command: Command): Command {
  return command
    .requiredOption('--model <file>', 'GGUF model file')
    .option('--threads <n>', 'CPU threads (default: the library decides)', int)
    .option('--context <n>', 'context window in tokens', int, 4096)
    .addOption(
      new Option('--gpu <backend>', 'GPU backend').choices(['auto', 'cuda', 'vulkan', 'metal', 'cpu']).default('auto'),
    );
}

/** A runtime with the model loaded; a missing or unloadable model file is a CliError. Close it when done. */
export async function openRuntime(o: RuntimeCliOptions): Promise<LlmRuntime> {
  if (!existsSync(o.model)) throw new CliError(`no such model file: ${o.model}`);
  const gpu: LlmGpu = o.gpu === 'cpu' ? false : (o.gpu as LlmGpu);
  const runtime = new LlmRuntime({ gpu, contextSize: o.context, ...(o.threads ? { threads: o.threads } : {}) });
  try {
    await runtime.load(o.model);
  } catch (err) {
    await runtime.close();
    throw new CliError(`cannot load ${o.model}: ${(err as Error).message}`);
  }
  return runtime;
}

/** Ctrl-C aborts `signal` (the work stops cleanly) instead of killing the process; `dispose` restores the default. */
export function abortOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
