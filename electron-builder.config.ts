/**
 * electron-builder: installers for Windows (NSIS), macOS (DMG) and Linux (AppImage, deb).
 * Loaded by electron-builder itself (through jiti) via `--config electron-builder.config.ts`
 * in the dist scripts, and by tests/packaging.test.ts, which checks the security-relevant parts.
 *
 * The app ships only the electron-vite output (out/) and package.json; production dependencies
 * are added by electron-builder from node_modules and filtered by the exclusions below.
 */
import type { Configuration } from 'electron-builder';

/**
 * node-llama-cpp ships its prebuilt llama.cpp binaries as one package per platform
 * (@node-llama-cpp/linux-x64, -cuda, -vulkan, mac-arm64-metal, win-x64, …), all installed as
 * optional dependencies. Keep only those of the package being built: `${os}` is electron-builder's
 * mac|linux|win, which is also node-llama-cpp's prefix, and `${arch}` its x64|arm64|armv7l.
 * electron-builder filters node_modules with the exclusion patterns of `files` only, so this is
 * one negated extglob rather than "exclude all, re-include some".
 */
export const OTHER_PLATFORM_LLAMA_BINARIES = [
  '!node_modules/@node-llama-cpp/!(${os}-${arch}|${os}-${arch}-*){,/**}',
  // Older node-llama-cpp versions kept the binaries inside the package itself.
  '!node_modules/node-llama-cpp/bins/!(${os}-${arch}|${os}-${arch}-*){,/**}',
];

/**
 * better-sqlite3 ships Node-API prebuilds for every platform (darwin|linux|linuxmusl|win32) in one
 * package, and its C++ and SQLite sources. Keep the target architecture's prebuilds only. Not by
 * platform: `${platform}` is the build machine's, and a platform-level `files` list would not add to
 * this one but start a second file set that copies the whole project (seen with electron-builder 26).
 */
export const SQLITE_EXTRAS = [
  '!node_modules/better-sqlite3/prebuilds/!(*-${arch}.node)',
  '!node_modules/better-sqlite3/{deps,src}{,/**}',
  '!node_modules/better-sqlite3/binding.gyp',
];

/**
 * Native code cannot be loaded from inside app.asar: these go to app.asar.unpacked (node-llama-cpp
 * looks there itself when running in Electron; Electron redirects better-sqlite3's require).
 */
export const ASAR_UNPACK = [
  'node_modules/@node-llama-cpp/**',
  'node_modules/node-llama-cpp/bins/**',
  'node_modules/node-llama-cpp/llama/localBuilds/**',
  'node_modules/better-sqlite3/**/*.node',
];

const config: Configuration = {
  appId: 'app.merchant-workbench.desktop',
  productName: 'Merchant Workbench',
  executableName: 'merchant-workbench',
  copyright: 'Copyright © 2026 Merchant Workbench',
  directories: { output: 'release/${version}', buildResources: 'build' },
  files: [
    'out/**',
    'resources/**',
    'package.json',
    // README screenshots are documentation, not runtime resources.
    '!resources/screenshots{,/**}',
    ...OTHER_PLATFORM_LLAMA_BINARIES,
    ...SQLITE_EXTRAS,
    // llama.cpp's source bundle, only for building from source, which the app never does (build: 'never').
    '!node_modules/node-llama-cpp/llama/gitRelease.bundle',
    // Dependencies' source maps: nothing reads them at run time, and they were 58 of app.asar's 132 MB.
    '!**/node_modules/**/*.map',
  ],
  asar: true,
  asarUnpack: ASAR_UNPACK,
  // better-sqlite3 (Node-API prebuilds) and node-llama-cpp (prebuilt binaries) load in Electron as
  // shipped; a rebuild against Electron's headers would need the network and a compiler.
  npmRebuild: false,
  // Flipped in the Electron binary before signing, so the OS signature covers them.
  electronFuses: {
    // No ELECTRON_RUN_AS_NODE: the binary cannot be used as a plain Node.js (the model runs in a utilityProcess).
    runAsNode: false,
    // No NODE_OPTIONS and no --inspect: nothing outside the app can inject code or attach a debugger.
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    // app.asar is checked against the hash embedded at build time (macOS, Windows), and only app.asar is loaded.
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    // Cookies at rest encrypted with the OS keychain (the app has none today; a one-way switch, so on from day one).
    enableCookieEncryption: true,
    // The renderer is served from app://, never file://.
    grantFileProtocolExtraPrivileges: false,
  },
  win: {
    target: [{ target: 'nsis', arch: ['x64', 'arm64'] }],
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
  },
  mac: {
    // Separate x64 and arm64 images: a universal build would merge two different @node-llama-cpp sets.
    target: [{ target: 'dmg', arch: ['x64', 'arm64'] }],
    category: 'public.app-category.business',
    hardenedRuntime: true,
  },
  linux: {
    target: [
      { target: 'AppImage', arch: ['x64', 'arm64'] },
      { target: 'deb', arch: ['x64', 'arm64'] },
    ],
    category: 'Office',
    maintainer: 'Merchant Workbench <support@merchant-workbench.invalid>',
    synopsis: 'Offline analytics workbench for e-commerce merchants',
  },
};

export default config;
