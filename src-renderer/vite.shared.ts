/**
 * Renderer build settings shared by electron.vite.config.ts (desktop) and
 * src-renderer/vite.config.ts (browser mode): one renderer, one output.
 */
import { resolve } from 'node:path';

export function rendererConfig(repoRoot: string) {
  return {
    root: resolve(repoRoot, 'src-renderer'),
    // Relative asset URLs work both on app://workbench/ and on http://127.0.0.1:PORT/.
    base: './',
    define: {
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      __VUE_I18N_FULL_INSTALL__: 'true',
      __VUE_I18N_LEGACY_API__: 'false',
      __INTLIFY_PROD_DEVTOOLS__: 'false',
    },
    build: {
      outDir: resolve(repoRoot, 'out/renderer'),
      emptyOutDir: true,
      target: 'chrome130',
      minify: true,
      reportCompressedSize: false,
      rolldownOptions: { input: resolve(repoRoot, 'src-renderer/index.html') },
    },
  };
}
