/**
 * The app's chat path on the GPU against the same path on the CPU, one model, one run. Usage:
 *   npm run bench -- llm-gpu [model.gguf] [runs] [gpu]
 * gpu: cuda (default), vulkan, metal or auto. Default model: ../shared/models/rand-llama-134m-q4_k_m.gguf. Prints the
 * backend, device, layers offloaded (of the model's blocks + output layer), VRAM used, decode tokens/s over 128
 * tokens, time to first token on a ~1,000-token grounded prompt, the second turn's evaluated prompt tokens, and the
 * GPU's speed-up over the CPU with the thread settings the app picks itself (medians of `runs`, interleaved).
 * Where no GPU backend is usable it says so and exits 0: this is for machines with a GPU, not for CI.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readGgufHeader } from '../src-main/core/llm/gguf-header.ts';
import type { LlmGpu } from '../src-main/core/llm/protocol.ts';
import { LlmRuntime } from '../src-main/core/llm/runtime.ts';
import { conversationLine, groundedPrompt, median, timedChat } from './lib/llm-chat.ts';

const modelPath =
  process.argv[2] || join(import.meta.dirname, '..', '..', 'shared', 'models', 'rand-llama-134m-q4_k_m.gguf');
const runs = Number(process.argv[3] ?? 5);
const gpu = (process.argv[4] ?? 'cuda') as Exclude<LlmGpu, false>;
if (!existsSync(modelPath)) {
  console.log(`llm-gpu bench skipped: no model at ${modelPath}`);
  process.exit(0);
}

const f0 = (x: number) => x.toFixed(0);
const blocks = readGgufHeader(modelPath).layers;
const gpuRuntime = new LlmRuntime({ gpu, threads: 0, contextSize: 2048 });
const cpuRuntime = new LlmRuntime({ gpu: false, threads: 0, contextSize: 2048 });
try {
  const info = await gpuRuntime.info().catch((error: Error) => {
    console.log(`llm-gpu bench skipped: ${gpu} is not usable here: ${error.message.split('\n')[0]}`);
    process.exit(0);
  });
  if (!info.gpu) {
    console.log(`llm-gpu bench skipped: no ${gpu} backend here (node-llama-cpp chose ${info.backend}).`);
    process.exit(0);
  }
  const gpuModel = await gpuRuntime.load(modelPath);
  const cpuModel = await cpuRuntime.load(modelPath);
  const loaded = await gpuRuntime.info();
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  console.log(`model ${modelPath}, ${runs} runs per figure, medians`);
  console.log(
    `${gpu}: backend ${loaded.backend} (llama.cpp ${loaded.llamaCppRelease}, ${loaded.buildType}), ` +
      `device ${loaded.deviceNames.join(', ') || '?'}, VRAM ${gib(loaded.vram.used)} used of ${gib(loaded.vram.total)}`,
  );
  // llama.cpp counts the output layer as one more offloadable layer than the model's blocks.
  console.log(
    `layers offloaded: ${gpuModel.gpuLayers} of ${blocks === null ? '?' : blocks + 1} (${blocks ?? '?'} blocks + output)`,
  );
  console.log(`cpu: ${cpuModel.threads} prompt threads, decode threads ${cpuModel.decodeThreads}`);

  const decode = { gpu: [] as number[], cpu: [] as number[] };
  for (let run = -1; run < runs; run++) {
    for (const [key, r] of [
      ['gpu', gpuRuntime],
      ['cpu', cpuRuntime],
    ] as const) {
      const t = await timedChat(r, `Describe product number ${run + 2} of the spring catalogue.`, { maxTokens: 128 });
      if (t.result.tokens !== 128) console.log(`  (${key}: stopped at ${t.result.tokens} tokens)`);
      if (run >= 0) decode[key].push(t.decodeTps);
    }
  }
  const { system, user } = await groundedPrompt(cpuRuntime, 1000);
  const ttft = { gpu: [] as number[], cpu: [] as number[] };
  let evaluated = 0;
  for (let run = -1; run < runs; run++) {
    for (const [key, r] of [
      ['gpu', gpuRuntime],
      ['cpu', cpuRuntime],
    ] as const) {
      // A different first line each run: the whole prompt is evaluated again.
      const t = await timedChat(r, user, { system: `Request ${run + 2}.\n${system}`, maxTokens: 1 });
      if (run >= 0) ttft[key].push(t.ttftMs);
      evaluated = t.result.stats?.evaluatedPromptTokens ?? 0;
    }
  }
  const d = { gpu: median(decode.gpu), cpu: median(decode.cpu) };
  const p = { gpu: median(ttft.gpu), cpu: median(ttft.cpu) };
  console.log('\n                          decode tok/s (128)   TTFT ms (' + evaluated + '-token prompt)');
  console.log(`${gpu.padEnd(26)}${f0(d.gpu).padStart(18)}${f0(p.gpu).padStart(22)}`);
  console.log(`${'cpu (app auto threads)'.padEnd(26)}${f0(d.cpu).padStart(18)}${f0(p.cpu).padStart(22)}`);
  console.log(
    `speed-up on ${gpu}: decode ${(d.gpu / d.cpu).toFixed(2)}×, time to first token ${(p.cpu / p.gpu).toFixed(2)}× shorter`,
  );

  console.log(await conversationLine(gpuRuntime, gpu, { system, user }));
} finally {
  await Promise.all([gpuRuntime.close(), cpuRuntime.close()]);
}
