/**
 * `workbench chat`: one reply from a local GGUF model, streamed to the
 * terminal. The model runs in its own process (see core/llm/runtime.ts), so a
 * bad model file ends with a message, not a crash.
 */
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { LlmRuntime } from '../../core/llm/runtime.ts';
import type { LlmGpu } from '../../core/llm/protocol.ts';
import { CliError, print } from '../shared.ts';

const int = (v: string) => Number.parseInt(v, 10);

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('ask a local GGUF model; the reply streams to the terminal')
    .argument('<prompt>', 'what to ask')
    .requiredOption('--model <file>', 'GGUF model file')
    .option('--system <text>', 'system prompt')
    .option('--max-tokens <n>', 'longest reply in tokens', int, 512)
    .option('--threads <n>', 'CPU threads (default: the library decides)', int)
    .option('--context <n>', 'context window in tokens', int, 4096)
    .addOption(
      new Option('--gpu <backend>', 'GPU backend').choices(['auto', 'cuda', 'vulkan', 'metal', 'cpu']).default('auto'),
    )
    .option('--json', 'print {"text","tokens","tokensPerSecond","timeToFirstTokenMs","model","backend"}')
    .action(
      async (
        prompt: string,
        o: {
          model: string;
          system?: string;
          maxTokens: number;
          threads?: number;
          context: number;
          gpu: string;
          json?: boolean;
        },
      ) => {
        if (!existsSync(o.model)) throw new CliError(`no such model file: ${o.model}`);
        const gpu: LlmGpu = o.gpu === 'cpu' ? false : (o.gpu as LlmGpu);
        const runtime = new LlmRuntime({ gpu, contextSize: o.context, ...(o.threads ? { threads: o.threads } : {}) });
        const stop = new AbortController();
        const onSigint = () => stop.abort();
        process.on('SIGINT', onSigint);
        try {
          try {
            await runtime.load(o.model);
          } catch (err) {
            throw new CliError(`cannot load ${o.model}: ${(err as Error).message}`);
          }
          const info = await runtime.info();
          const started = performance.now();
          let firstToken: number | null = null;
          const reply = await runtime.chat(prompt, {
            maxTokens: o.maxTokens,
            signal: stop.signal,
            ...(o.system !== undefined ? { system: o.system } : {}),
            onChunk: (chunk) => {
              firstToken ??= performance.now();
              if (!o.json) process.stdout.write(chunk);
            },
          });
          const ended = performance.now();
          const decodeSeconds = (ended - (firstToken ?? ended)) / 1000;
          const out = {
            text: reply.text,
            tokens: reply.tokens,
            // The first token's time is prompt processing; decode speed counts the rest.
            tokensPerSecond: reply.tokens > 1 && decodeSeconds > 0 ? (reply.tokens - 1) / decodeSeconds : null,
            timeToFirstTokenMs: firstToken === null ? null : firstToken - started,
            model: basename(o.model),
            backend: info.backend,
            stopReason: reply.stopReason,
          };
          print(!!o.json, out, () => {
            process.stdout.write('\n');
            const rate = out.tokensPerSecond === null ? '' : `, ${out.tokensPerSecond.toFixed(1)} tokens/s`;
            console.error(`(${out.tokens} tokens${rate}, ${out.backend})`);
          });
        } finally {
          process.off('SIGINT', onSigint);
          await runtime.close();
        }
      },
    );
}
