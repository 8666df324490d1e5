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
import { openWorkspace } from '../../core/db/workspace.ts';
import { customerGrounding, productGrounding, segmentGrounding } from '../../core/llm/grounding.ts';
import {
  buildPrompt,
  clampToLimit,
  TEMPLATES,
  TONES,
  type CopyLanguage,
  type CopyTemplate,
  type CopyTone,
} from '../../core/llm/prompts.ts';
import { CliError, print } from '../shared.ts';

const int = (v: string) => Number.parseInt(v, 10);

interface ChatOptions {
  model: string;
  system?: string;
  db?: string;
  segment?: string;
  customer?: string;
  product?: string;
  template?: CopyTemplate;
  tone: CopyTone;
  language: CopyLanguage;
  maxTokens?: number;
  threads?: number;
  context: number;
  gpu: string;
  json?: boolean;
}

/** Grounding facts from the workspace (aggregates, pseudonyms) and the template's stable system prompt. */
function buildChat(
  prompt: string,
  o: ChatOptions,
): { system?: string; user: string; maxTokens: number; charLimit: number | null } {
  const subjects = [o.segment, o.customer, o.product].filter((v) => v !== undefined).length;
  if (subjects > 1) throw new CliError('ground on one of --segment, --customer or --product');
  if (subjects === 1 && !o.db) throw new CliError('--segment, --customer and --product need --db');
  let grounding = '';
  if (subjects === 1 && o.db) {
    if (!existsSync(o.db)) throw new CliError(`no workspace at ${o.db}`);
    const db = openWorkspace(o.db, { readonly: true });
    try {
      if (o.segment !== undefined) grounding = segmentGrounding(db, o.segment).text;
      else if (o.product !== undefined) grounding = productGrounding(db, o.product).text;
      else {
        const id = db.prepare('SELECT id FROM customers WHERE external_id = ?').pluck().get(o.customer) as
          number | undefined;
        if (id === undefined) throw new CliError(`no customer "${o.customer}" in ${o.db}`);
        grounding = customerGrounding(db, id).text;
      }
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError((err as Error).message);
    } finally {
      db.close();
    }
  }
  if (!o.template) {
    const system = [o.system, grounding].filter(Boolean).join('\n\n');
    return { ...(system ? { system } : {}), user: prompt, maxTokens: 512, charLimit: null };
  }
  const built = buildPrompt({ template: o.template, tone: o.tone, language: o.language, grounding, request: prompt });
  return { system: o.system ?? built.system, user: built.user, maxTokens: built.maxTokens, charLimit: built.charLimit };
}

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('ask a local GGUF model; the reply streams to the terminal')
    .argument('<prompt>', 'what to ask')
    .requiredOption('--model <file>', 'GGUF model file')
    .option('--system <text>', "system prompt (replaces the template's)")
    .option('--db <file>', 'workspace whose facts ground the copy (with --segment, --customer or --product)')
    .option('--segment <name>', 'RFM segment to write for, e.g. "At Risk"')
    .option('--customer <id>', "a customer's external id (the model sees aggregates and a pseudonym only)")
    .option('--product <sku>', 'a product to write about')
    .addOption(new Option('--template <name>', 'copy template').choices([...TEMPLATES]))
    .addOption(new Option('--tone <tone>', 'tone of voice').choices([...TONES]).default('friendly'))
    .addOption(new Option('--language <lang>', 'language of the copy').choices(['zh', 'en']).default('zh'))
    .option('--max-tokens <n>', "longest reply in tokens (default: the template's, else 512)", int)
    .option('--threads <n>', 'CPU threads (default: the library decides)', int)
    .option('--context <n>', 'context window in tokens', int, 4096)
    .addOption(
      new Option('--gpu <backend>', 'GPU backend').choices(['auto', 'cuda', 'vulkan', 'metal', 'cpu']).default('auto'),
    )
    .option('--json', 'print {"text","tokens","tokensPerSecond","timeToFirstTokenMs","model","backend"}')
    .action(async (prompt: string, o: ChatOptions) => {
      if (!existsSync(o.model)) throw new CliError(`no such model file: ${o.model}`);
      const built = buildChat(prompt, o);
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
        let reply: Awaited<ReturnType<LlmRuntime['chat']>>;
        try {
          reply = await runtime.chat(built.user, {
            maxTokens: o.maxTokens ?? built.maxTokens,
            signal: stop.signal,
            ...(built.system !== undefined ? { system: built.system } : {}),
            onChunk: (chunk) => {
              firstToken ??= performance.now();
              if (!o.json) process.stdout.write(chunk);
            },
          });
        } catch (err) {
          // A prompt longer than the context, a crashed model process: one plain line, not a stack trace.
          throw new CliError(`the model could not answer: ${(err as Error).message}`);
        }
        const ended = performance.now();
        const decodeSeconds = (ended - (firstToken ?? ended)) / 1000;
        const out = {
          text: built.charLimit !== null ? clampToLimit(reply.text, built.charLimit) : reply.text,
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
    });
}
