// The model library: .gguf files in the app's models folder plus files registered where they already are (models
// are gigabytes: never copied). The registry is a small JSON file in the models folder.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { estimateModelFit, type FitEstimate, type MachineFacts } from './fit.ts';
import { GgufError, readGgufHeader, type GgufInfo } from './gguf-header.ts';

export const REGISTRY_FILE = 'models.json';

/** Where models live unless the user says otherwise. */
export function defaultModelsDir(): string {
  return process.env['WORKBENCH_MODELS'] ?? join(homedir(), '.merchant-workbench', 'models');
}

interface Registry {
  version: 1;
  models: { path: string; addedAt: string }[];
}

export interface ModelEntry {
  path: string;
  fileName: string;
  /** In the models folder itself (found by listing) or registered from elsewhere. */
  source: 'folder' | 'registered';
  /** The header, or null when it could not be read (see error). */
  header: GgufInfo | null;
  /** Why the file is unusable: missing, not a GGUF, truncated… */
  error: string | null;
  fit: FitEstimate | null;
}

export interface ListOptions {
  /** For the fit estimate; without it there is no estimate. */
  machine?: MachineFacts;
  /** Context size the estimate assumes (default 4096, the runtime's default). */
  contextSize?: number;
}

function readRegistry(dir: string): Registry {
  const file = join(dir, REGISTRY_FILE);
  if (!existsSync(file)) return { version: 1, models: [] };
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<Registry>;
    const models = Array.isArray(data.models)
      ? data.models.filter((m) => typeof m?.path === 'string' && typeof m.addedAt === 'string')
      : [];
    return { version: 1, models };
  } catch {
    // A damaged registry must not hide the folder's own models; the next add rewrites it.
    return { version: 1, models: [] };
  }
}

function writeRegistry(dir: string, registry: Registry): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, REGISTRY_FILE);
  // Write then rename: a crash mid-write leaves the old registry, not half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(registry, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

function entry(path: string, source: ModelEntry['source'], options: ListOptions): ModelEntry {
  const base = { path, fileName: basename(path), source };
  if (!existsSync(path)) return { ...base, header: null, error: 'The file is missing', fit: null };
  try {
    const header = readGgufHeader(path);
    const fit = options.machine ? estimateModelFit(header, options.contextSize ?? 4096, options.machine) : null;
    return { ...base, header, error: null, fit };
  } catch (err) {
    return { ...base, header: null, error: (err as Error).message, fit: null };
  }
}

/** The folder's .gguf files (sorted by name), then registered files elsewhere (in the order added). */
export function listModels(dir: string, options: ListOptions = {}): ModelEntry[] {
  const folder = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isFile() && d.name.toLowerCase().endsWith('.gguf'))
        .map((d) => resolve(dir, d.name))
        .sort()
    : [];
  const seen = new Set(folder);
  const out = folder.map((p) => entry(p, 'folder', options));
  for (const m of readRegistry(dir).models) {
    if (seen.has(m.path)) continue;
    seen.add(m.path);
    out.push(entry(m.path, 'registered', options));
  }
  return out;
}

/** Registers a model file kept where it is. Throws GgufError when the file is not a readable GGUF. */
export function addModel(dir: string, path: string, options: ListOptions = {}): ModelEntry {
  const full = resolve(path);
  if (!existsSync(full) || !statSync(full).isFile()) throw new GgufError('io', `No such file: ${full}`);
  readGgufHeader(full);
  const registry = readRegistry(dir);
  if (!registry.models.some((m) => m.path === full)) {
    registry.models.push({ path: full, addedAt: new Date().toISOString() });
    writeRegistry(dir, registry);
  }
  return entry(full, 'registered', options);
}

/** The registered files' paths only, without reading their headers (the doors' path checks ask often). */
export function registeredModelPaths(dir: string): string[] {
  return readRegistry(dir).models.map((m) => m.path);
}

/** Forgets a registered file (the file itself stays). False when it was not registered. */
export function removeModel(dir: string, path: string): boolean {
  const full = resolve(path);
  const registry = readRegistry(dir);
  const models = registry.models.filter((m) => m.path !== full);
  if (models.length === registry.models.length) return false;
  writeRegistry(dir, { version: 1, models });
  return true;
}

export interface RecommendedModel {
  name: string;
  parameters: string;
  quantization: string;
  /** Approximate download size in bytes. */
  sizeBytes: number;
  licence: string;
  /** The model's page (licence, card). */
  url: string;
  file: string;
  languages: string;
  note: string;
  /** The hf: reference the model manager downloads, only when the merchant presses Download. */
  download: string;
}

/** hf:owner/repo/file for a recommended model's page and file name. */
const hfReference = (m: Omit<RecommendedModel, 'download'>): RecommendedModel => ({
  ...m,
  download: `hf:${m.url.replace(/^https:\/\/huggingface\.co\//, '')}/${m.file}`,
});

/** Small instruct models that write Chinese and English marketing copy on an ordinary laptop. Data only. */
export const RECOMMENDED_MODELS: readonly RecommendedModel[] = (
  [
    {
      name: 'Qwen2.5 1.5B Instruct',
      parameters: '1.5B',
      quantization: 'Q4_K_M',
      sizeBytes: 1.12e9,
      licence: 'Apache-2.0',
      url: 'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF',
      file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
      languages: 'zh, en',
      note: 'Fast on any recent laptop; strong Chinese for its size.',
    },
    {
      name: 'Qwen2.5 3B Instruct',
      parameters: '3B',
      quantization: 'Q4_K_M',
      sizeBytes: 2.1e9,
      licence: 'Qwen Research License (non-commercial; check before business use)',
      url: 'https://huggingface.co/Qwen/Qwen2.5-3B-Instruct-GGUF',
      file: 'qwen2.5-3b-instruct-q4_k_m.gguf',
      languages: 'zh, en',
      note: 'Better copy than 1.5B; mind the licence.',
    },
    {
      name: 'Llama 3.2 3B Instruct',
      parameters: '3B',
      quantization: 'Q4_K_M',
      sizeBytes: 2.02e9,
      licence: 'Llama 3.2 Community License',
      url: 'https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF',
      file: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
      languages: 'en (Chinese not officially supported)',
      note: 'Good English copy; weaker in Chinese.',
    },
    {
      name: 'Gemma 2 2B it',
      parameters: '2.6B',
      quantization: 'Q4_K_M',
      sizeBytes: 1.71e9,
      licence: 'Gemma Terms of Use',
      url: 'https://huggingface.co/bartowski/gemma-2-2b-it-GGUF',
      file: 'gemma-2-2b-it-Q4_K_M.gguf',
      languages: 'en, zh',
      note: 'Fluent English; 8K context.',
    },
  ] satisfies Omit<RecommendedModel, 'download'>[]
).map(hfReference);
