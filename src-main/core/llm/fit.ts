// Will this model run here? A rough, explainable estimate from the GGUF header and the machine's free memory, shown
// before a merchant waits minutes for a load that then swaps or fails. Pure: the caller passes the machine facts.
import { freemem, totalmem } from 'node:os';
import type { GgufInfo } from './gguf-header.ts';

export type FitVerdict = 'fits' | 'slow' | 'wont-fit';

export interface MachineFacts {
  freeRam: number;
  totalRam: number;
  /** Free GPU memory in bytes when a GPU backend is in use (LlmRuntime.info().vram.free); absent for CPU only. */
  freeVram?: number;
}

export interface FitInput {
  fileSize: number;
  layers: number | null;
  /** Per-token K (or V) width of one layer: key length × KV heads. */
  embeddingKv: number | null;
  contextSize: number;
  /** Bytes per cache element: 2 for llama.cpp's default f16 KV cache. */
  kvBytes?: number;
}

export interface FitEstimate {
  verdict: FitVerdict;
  /** Bytes: weights + KV cache + overhead. */
  needed: number;
  weights: number;
  kvCache: number;
  overhead: number;
  /** Where it would run: all on the GPU, split, or the CPU. */
  placement: 'gpu' | 'split' | 'cpu';
  /** One short English reason for the verdict (the UI translates by verdict/placement). */
  reason: string;
}

// Thresholds, documented because a merchant sees their verdicts:
/** Fixed overhead: compute buffers, the runtime and the child process (~300 MB measured on small models). */
export const OVERHEAD_BASE = 300 * 1024 ** 2;
/** Plus a share of the weights: compute buffers grow with the model's width. */
export const OVERHEAD_SHARE = 0.05;
/** Use at most this share of free RAM/VRAM: the OS, the app and the merchant's other programs need the rest. */
export const HEADROOM = 0.85;
/**
 * On the CPU, every generated token reads all the weights from RAM: at a laptop's ~25-50 GB/s, weights beyond this
 * size give fewer than about 5 tokens/s, which feels slow for chat.
 */
export const CPU_SLOW_BYTES = 5 * 1024 ** 3;
/** Without layer counts (an unknown architecture), assume the KV cache costs this share of the weights. */
const KV_FALLBACK_SHARE = 0.1;

/** KV cache bytes: K and V (×2), for each layer, each context position, each KV width element. */
export function kvCacheBytes(layers: number, contextSize: number, embeddingKv: number, kvBytes = 2): number {
  return 2 * layers * contextSize * embeddingKv * kvBytes;
}

export function estimateFit(input: FitInput, machine: MachineFacts): FitEstimate {
  const weights = input.fileSize;
  const kvCache =
    input.layers && input.embeddingKv
      ? kvCacheBytes(input.layers, input.contextSize, input.embeddingKv, input.kvBytes ?? 2)
      : Math.round(weights * KV_FALLBACK_SHARE);
  const overhead = Math.round(OVERHEAD_BASE + OVERHEAD_SHARE * weights);
  const needed = weights + kvCache + overhead;
  const ram = machine.freeRam * HEADROOM;
  const vram = (machine.freeVram ?? 0) * HEADROOM;
  const gb = (b: number): string => `${(b / 1024 ** 3).toFixed(1)} GB`;
  const base = { needed, weights, kvCache, overhead };
  if (vram > 0 && needed <= vram) {
    return { ...base, verdict: 'fits', placement: 'gpu', reason: `Needs about ${gb(needed)}; fits in GPU memory` };
  }
  if (vram > 0 && needed <= vram + ram) {
    return {
      ...base,
      verdict: 'slow',
      placement: 'split',
      reason: `Needs about ${gb(needed)}; only part fits in GPU memory (${gb(vram)} usable), the rest runs on the CPU`,
    };
  }
  if (needed <= ram) {
    return weights > CPU_SLOW_BYTES
      ? {
          ...base,
          verdict: 'slow',
          placement: 'cpu',
          reason: `Needs about ${gb(needed)}; fits in memory, but a model this large is slow on the CPU`,
        }
      : { ...base, verdict: 'fits', placement: 'cpu', reason: `Needs about ${gb(needed)}; fits in free memory` };
  }
  // Not free now but within the machine's total: closing other programs (or the OS paging) may make room.
  if (needed <= machine.totalRam * HEADROOM) {
    return {
      ...base,
      verdict: 'slow',
      placement: 'cpu',
      reason: `Needs about ${gb(needed)} but only ${gb(machine.freeRam)} is free; close other programs or expect swapping`,
    };
  }
  return {
    ...base,
    verdict: 'wont-fit',
    placement: 'cpu',
    reason: `Needs about ${gb(needed)}; this computer has ${gb(machine.totalRam)} in all`,
  };
}

/** The estimate for a parsed header at a context size. */
export function estimateModelFit(info: GgufInfo, contextSize: number, machine: MachineFacts): FitEstimate {
  return estimateFit(
    { fileSize: info.fileSize, layers: info.layers, embeddingKv: info.embeddingKv, contextSize },
    machine,
  );
}

/** This machine's RAM now; pass `freeVram` from LlmRuntime.info() when a GPU is in use. */
export function machineFacts(freeVram?: number): MachineFacts {
  return { freeRam: freemem(), totalRam: totalmem(), ...(freeVram !== undefined ? { freeVram } : {}) };
}
