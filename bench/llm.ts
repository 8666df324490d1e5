/**
 * Local-model chat speed through the app's own path (LlmRuntime → model child process → streamed chunks), against
 * llama.cpp's llama-bench on the same model. Usage:
 *   npm run bench -- llm [model.gguf] [runs]
 * Default model: ../shared/models/rand-llama-134m-q4_k_m.gguf (random weights, real LLaMA tokenizer); skipped with a
 * message when it is absent. With LLAMA_BENCH=/path/to/llama-bench (llama.cpp built from the source node-llama-cpp
 * ships: node_modules/node-llama-cpp/llama/gitRelease.bundle), llama-bench also runs in this run, between the app's
 * measurements, and the ratios are given against it too: the stored table is another machine's figures. Figures are medians of `runs` (default 5), configurations interleaved run by run so a
 * noisy machine slows them alike. Decode = (tokens − 1) / (last chunk's arrival − first chunk's arrival) as the caller
 * sees it; time to first token = from the chat() call to the first chunk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { LlmRuntime } from '../src-main/core/llm/runtime.ts';
import { conversationLine, groundedPrompt, median, timedChat } from './lib/llm-chat.ts';

/**
 * Source: /work/shared/README.md, "models/" — llama-bench built from the llama.cpp source that node-llama-cpp 3.22.1
 * ships, with node-llama-cpp's prebuilt CPU kernels, on this machine kind (2 cores), tokens/s, median of 3, ±10 %.
 */
const REFERENCE = {
  pp512: { 1: 556, 2: 1089 },
  tg128: { 1: 217, 2: 303 },
} as const;
/** The bar (issue 6): decode ≥ 0.9× tg128 at the same threads, auto ≥ 0.7× the best tg128, TTFT ≤ 1.1× pp time. */
const BAR = { decode: 0.9, auto: 0.7, ttft: 1.1 } as const;

const modelPath =
  process.argv[2] || join(import.meta.dirname, '..', '..', 'shared', 'models', 'rand-llama-134m-q4_k_m.gguf');
const runs = Number(process.argv[3] ?? 5);
// For the in-process baseline below (libuv reads it when its pool first starts, after this line).
process.env.UV_THREADPOOL_SIZE = '1';
if (!existsSync(modelPath)) {
  console.log(`llm bench skipped: no model at ${modelPath} (pass a GGUF path, or provide ../shared/models).`);
  process.exit(0);
}

/** llama-bench's tokens/s for one test on this machine, now (null without LLAMA_BENCH). */
function llamaBench(threads: number, prompt: number, gen: number, repeats: number): number | null {
  const bin = process.env.LLAMA_BENCH;
  if (!bin) return null;
  const args = ['-m', modelPath, '-t', String(threads), '-p', String(prompt), '-n', String(gen), '-r', String(repeats)];
  // Its shared libraries beside it (e.g. node-llama-cpp's own libggml-base and libggml-cpu-haswell, for its kernels).
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: [dirname(bin), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
  const r = spawnSync(bin, [...args, '-o', 'json'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env });
  if (r.status !== 0) throw new Error(`llama-bench failed: ${r.stderr || r.error}`);
  const [test] = JSON.parse(r.stdout) as { avg_ts: number }[];
  return test?.avg_ts ?? null;
}

const f0 = (x: number) => x.toFixed(0);
const ratio = (x: number, ref: number) => `${(x / ref).toFixed(2)}×`;

const configs: { label: string; threads: number; env: Record<string, string> }[] = [
  { label: '1 thread', threads: 1, env: {} },
  { label: '2 threads', threads: 2, env: {} },
  { label: 'auto', threads: 0, env: {} },
  // The pre-issue-6 child for comparison: node's default libuv pool of 4 workers.
  { label: '2 thr, pool 4', threads: 2, env: { UV_THREADPOOL_SIZE: '4' } },
  // One-thread decoding without keeping the process on one CPU (cpu-pin.ts), for comparison.
  { label: '1 thr, not pinned', threads: 1, env: { WORKBENCH_LLM_PIN: '0' } },
];
const runtimes = configs.map(
  (c) => new LlmRuntime({ gpu: false, threads: c.threads, contextSize: 2048, childEnv: c.env }),
);
try {
  const loaded = [];
  for (const r of runtimes) loaded.push(await r.load(modelPath));
  console.log(`model ${modelPath}, ${runs} runs per figure, medians; reference: llama-bench (shared/README.md)`);
  console.log(
    `auto picked ${loaded[2]!.threads} prompt threads, decode threads ${loaded[2]!.decodeThreads ?? loaded[2]!.threads}`,
  );

  const [load1] = loadavg();
  if (load1! > availableParallelism() / 2) {
    console.log(
      `NOTE: load average ${load1!.toFixed(1)} on ${availableParallelism()} CPUs: other work is running, so absolute ` +
        `figures fall short of the reference; the raw node-llama-cpp line, measured in the same runs, is the fair baseline.`,
    );
  }
  // The library alone, in this process, 1 thread: sequence.evaluate with no chat template, IPC or streaming.
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  const rawModel = await llama.loadModel({ modelPath });
  const rawContext = await rawModel.createContext({ contextSize: 2048, threads: 1 });
  const rawDecode: number[] = [];
  const rawRun = async (run: number): Promise<number> => {
    const sequence = rawContext.getSequence();
    try {
      let n = 0;
      let first = 0;
      const tokens = rawModel.tokenize(`Describe product number ${run + 2} of the spring catalogue.`);
      for await (const _ of sequence.evaluate(tokens)) {
        if (++n === 1) first = performance.now();
        if (n === 128) break;
      }
      return (n - 1) / ((performance.now() - first) / 1000);
    } finally {
      sequence.dispose();
    }
  };

  // --- decode: 128 tokens after a short prompt, like tg128 -----------------------------------------------------------
  const decode = configs.map(() => [] as number[]);
  const short = configs.map(() => [] as number[]);
  // Decode thread counts the automatic setting used, run by run (the tuner times 1 thread against all cores).
  const autoDecodeThreads: (number | undefined)[] = [];
  // llama-bench's tg128 in the same rounds, one repeat each: on a shared machine the speed moves within seconds, and
  // a llama-bench measured after all of the app's runs compares with a different machine.
  const benchRounds: Record<1 | 2, number[]> = { 1: [], 2: [] };
  for (let run = -1; run < runs; run++) {
    if (run >= 0) {
      for (const t of [1, 2] as const) {
        const tg = llamaBench(t, 0, 128, 1);
        if (tg) benchRounds[t].push(tg);
      }
    }
    const raw = await rawRun(run);
    if (run >= 0) rawDecode.push(raw);
    for (const [i, r] of runtimes.entries()) {
      // A prompt the context has not seen, so every run starts from the same place; run −1 warms up.
      const t = await timedChat(r, `Describe product number ${run + 2} of the spring catalogue.`, { maxTokens: 128 });
      if (t.result.tokens !== 128) console.log(`  (${configs[i]!.label}: stopped at ${t.result.tokens} tokens)`);
      if (run >= 0) {
        decode[i]!.push(t.decodeTps);
        short[i]!.push(t.result.stats?.tokensPerSecond ?? 0);
        if (configs[i]!.threads === 0) autoDecodeThreads.push(t.result.stats?.decodeThreads);
      }
    }
  }
  const decodeMedian = decode.map(median);
  console.log(`auto's decode threads, run by run: ${autoDecodeThreads.join(', ')}`);
  const bestRef = Math.max(REFERENCE.tg128[1], REFERENCE.tg128[2]);
  // llama.cpp's own decode on this machine, measured in the same rounds as the app's runs.
  const here = {
    1: benchRounds[1].length ? median(benchRounds[1]) : null,
    2: benchRounds[2].length ? median(benchRounds[2]) : null,
  } as Record<number, number | null>;
  console.log('\ndecode, 128 tokens        caller tok/s  child tok/s  llama-bench tg128  ratio  bar');
  for (const [i, c] of configs.entries()) {
    const threads = loaded[i]!.threads as 1 | 2;
    const ref = REFERENCE.tg128[threads] ?? bestRef;
    const m = decodeMedian[i]!;
    const bar =
      c.label === 'auto'
        ? `${ratio(m, bestRef)} of best ${bestRef} (≥ ${BAR.auto}×: ${m >= BAR.auto * bestRef ? 'pass' : 'FAIL'})`
        : Object.keys(c.env).length > 0
          ? '(other setting, for comparison)'
          : `≥ ${BAR.decode}×: ${m >= BAR.decode * ref ? 'pass' : 'FAIL'}`;
    console.log(
      `${c.label.padEnd(24)} ${f0(m).padStart(13)} ${f0(median(short[i]!)).padStart(12)} ${String(ref).padStart(18)}  ${ratio(m, ref).padStart(5)}  ${bar}`,
    );
  }
  if (here[1] && here[2]) {
    const best = Math.max(here[1], here[2]);
    console.log(
      `\nsame rounds, llama-bench tg128 on this machine (median of ${runs}, one per round): ${f0(here[1])} tok/s at 1 ` +
        `thread, ${f0(here[2])} at 2`,
    );
    for (const [i, c] of configs.entries()) {
      if (Object.keys(c.env).length > 0) continue;
      const threads = loaded[i]!.threads as 1 | 2;
      const m = decodeMedian[i]!;
      const same = here[threads] ?? best;
      const line =
        c.label === 'auto'
          ? `${ratio(m, best)} of best ${f0(best)} (≥ ${BAR.auto}×: ${m >= BAR.auto * best ? 'pass' : 'FAIL'})`
          : `${ratio(m, same)} of ${f0(same)} (≥ ${BAR.decode}×: ${m >= BAR.decode * same ? 'pass' : 'FAIL'})`;
      console.log(`${c.label.padEnd(24)} ${f0(m).padStart(13)}  ${line}`);
    }
  }

  const raw = median(rawDecode);
  console.log(
    `${'raw node-llama-cpp, 1 thr'.padEnd(24)} ${f0(raw).padStart(13)} ${'-'.padStart(12)} ${String(REFERENCE.tg128[1]).padStart(18)}  ${ratio(raw, REFERENCE.tg128[1]).padStart(5)}  app 1 thread / raw: ${ratio(decodeMedian[0]!, raw)}`,
  );
  await rawContext.dispose();
  await rawModel.dispose();
  await llama.dispose();

  // --- time to first token on a ~1,000-token grounded prompt, and the second turn ------------------------------------
  const { system, user } = await groundedPrompt(runtimes[0]!, 1000);
  console.log(
    `\ngrounded prompt: ${await runtimes[0]!.countTokens(system)} tokens of system prompt (sample shop, 11 segments' facts)`,
  );
  console.log('time to first token       prompt tok  evaluated  TTFT ms  llama-bench pp ms  ratio  bar');
  const ttftConfigs = [0, 1, 2];
  const ttft = ttftConfigs.map(() => [] as number[]);
  const prompt = ttftConfigs.map(() => 0);
  const evaluated = ttftConfigs.map(() => 0);
  // llama-bench's pp over the same tokens at the same threads next to each of the app's runs (one repeat): the speed
  // of this machine drifts within seconds, so each app run is paired with the llama-bench run beside it, llama-bench
  // going after the app in even runs and before it in odd ones (neither side always gets the later moment).
  const pp = ttftConfigs.map(() => [] as number[]);
  for (let run = -1; run < runs; run++) {
    for (const [k, i] of ttftConfigs.entries()) {
      const threads = loaded[i]!.threads;
      const bench = () => {
        const tps = llamaBench(threads, evaluated[k]!, 0, 1);
        if (tps) pp[k]!.push((evaluated[k]! / tps) * 1000);
      };
      if (run >= 0 && run % 2 === 1) bench();
      // A different first line each run: the cached prefix ends there and the whole prompt is evaluated again.
      const t = await timedChat(runtimes[i]!, user, { system: `Request ${run + 2}.\n${system}`, maxTokens: 1 });
      prompt[k] = t.result.stats?.promptTokens ?? 0;
      evaluated[k] = t.result.stats?.evaluatedPromptTokens ?? 0;
      if (run < 0) continue;
      ttft[k]!.push(t.ttftMs);
      if (run % 2 === 0) bench();
    }
  }
  for (const [k, i] of ttftConfigs.entries()) {
    const threads = loaded[i]!.threads as 1 | 2;
    const refMs = (evaluated[k]! / (REFERENCE.pp512[threads] ?? REFERENCE.pp512[2])) * 1000;
    const m = median(ttft[k]!);
    console.log(
      `${configs[i]!.label.padEnd(24)} ${String(prompt[k]).padStart(11)} ${String(evaluated[k]).padStart(10)} ${f0(m).padStart(8)} ${f0(refMs).padStart(18)}  ${ratio(m, refMs).padStart(5)}  ≤ ${BAR.ttft}×: ${m <= BAR.ttft * refMs ? 'pass' : 'FAIL'}`,
    );
    // The same tokens through llama-bench (a longer prompt costs more per token, so not the pp512 figure scaled).
    const same = pp[k]!;
    if (same.length) {
      const hereMs = median(same);
      const paired = median(ttft[k]!.map((ms, run) => ms / same[run]!));
      console.log(
        `${''.padEnd(24)} same rounds, llama-bench pp${evaluated[k]} ${f0(hereMs)} ms: ${ratio(m, hereMs)}; run by run ` +
          `(app/llama-bench ms: ${ttft[k]!.map((ms, run) => `${f0(ms)}/${f0(same[run]!)}`).join(', ')}) median ` +
          `${paired.toFixed(2)}× (≤ ${BAR.ttft}×: ${paired <= BAR.ttft ? 'pass' : 'FAIL'})`,
      );
    }
  }
  console.log(`\n${await conversationLine(runtimes[2]!, 'auto', { system, user })}`);
} finally {
  await Promise.all(runtimes.map((r) => r.close()));
}
