/**
 * Desktop build: out/main (main process + the job worker as its own file),
 * out/preload/preload.cjs (CommonJS: sandboxed preloads cannot be ES modules),
 * out/renderer (the Vue app, also buildable alone by src-renderer/vite.config.ts).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import { rendererConfig } from './src-renderer/vite.shared.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // Native and optional heavy modules stay in node_modules; other deps are externalized by default.
      externalizeDeps: { include: ['better-sqlite3', 'node-llama-cpp'] },
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/index.ts'),
          'jobs-worker': resolve(root, 'src-main/core/jobs/worker.ts'),
          // The importer's reader thread (core/import/row-stream.ts looks for it next to jobs-worker.js).
          'import-row-worker': resolve(root, 'src-main/core/import/row-worker.ts'),
          // The language model's process (core/llm/child.ts), started as an Electron utilityProcess.
          'llm-child': resolve(root, 'src-main/core/llm/child.ts'),
          // The Overview's figures, read off the main thread (core/stats/figures.ts looks for it beside itself).
          'stats-worker': resolve(root, 'src-main/core/stats/stats-worker.ts'),
          // k-means' helper thread (core/analytics/cluster/kmeans-engine.ts looks for it the same way).
          'kmeans-worker': resolve(root, 'src-main/core/analytics/cluster/kmeans-worker.ts'),
          // Implicit ALS' helper thread (core/recommend/implicit/als-engine.ts looks for it the same way).
          'als-worker': resolve(root, 'src-main/core/recommend/implicit/als-worker.ts'),
          // Cross-validation's second thread (core/recommend/evaluate-parallel.ts looks for it the same way).
          'cv-worker': resolve(root, 'src-main/core/recommend/cv-worker.ts'),
        },
        external: ['better-sqlite3', 'node-llama-cpp', /^node-llama-cpp\//],
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { preload: resolve(root, 'src-main/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    ...rendererConfig(root),
    plugins: [vue()],
  },
});
