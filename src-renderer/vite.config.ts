/** Browser mode's renderer build (`npm run build:renderer`): the same output as the desktop build's renderer. */
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { rendererConfig } from './vite.shared.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  ...rendererConfig(repoRoot),
  plugins: [vue()],
});
