/**
 * Packaging: the real electron-builder.config.ts, loaded and validated by electron-builder's own
 * loader (jiti for .ts) and schema, and its file rules run through electron-builder's own matchers
 * (the functions its packer calls: getMainFileMatchers for the app, getNodeModuleFileMatcher for
 * node_modules, getFileMatchers for asarUnpack) against the real paths in this checkout. The Electron
 * binary is not needed: nothing here packs, it only asks electron-builder what it would pack.
 *
 * The last block builds the main process with the project's electron-vite config into a temporary
 * folder and checks that each worker thread's entry is found from the chunk that starts it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AppInfo, Configuration, PlatformSpecificBuildOptions } from 'electron-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerEntry } from '../src-main/core/util/worker-entry.ts';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');
const require = createRequire(import.meta.url);

// electron-builder's internals (app-builder-lib, its engine, is CommonJS; the two matcher factories are
// @internal, so typed here by hand after app-builder-lib/out/fileMatcher.js).
type Stat = { isDirectory(): boolean; moduleFullFilePath?: string };
type Filter = (file: string, stat: Stat) => boolean;
interface FileMatcherLike {
  readonly patterns: string[];
  createFilter(): Filter;
}
type Expander = (pattern: string) => string;
interface DebugLoggerLike {
  readonly isEnabled: boolean;
  add(key: string, value: unknown): void;
}
const matchers = require('app-builder-lib/out/fileMatcher.js') as {
  FileMatcher: new (from: string, to: string, expander: Expander, patterns?: string[]) => FileMatcherLike;
  getFileMatchers(
    config: Configuration,
    name: 'asarUnpack',
    destination: string,
    options: {
      macroExpander: Expander;
      customBuildOptions: PlatformSpecificBuildOptions;
      globalOutDir: string;
      defaultSrc: string;
    },
  ): FileMatcherLike[] | null;
  getMainFileMatchers(
    appDir: string,
    destination: string,
    expander: Expander,
    options: PlatformSpecificBuildOptions,
    platformPackager: { info: object },
    outDir: string,
    isElectronCompile: boolean,
  ): FileMatcherLike[];
  getNodeModuleFileMatcher(
    appDir: string,
    destination: string,
    expander: Expander,
    options: PlatformSpecificBuildOptions,
    packager: object,
  ): FileMatcherLike;
};
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Configuration>;
  validateConfiguration(config: Configuration, logger: DebugLoggerLike): Promise<void>;
};
const { expandMacro } = require('app-builder-lib/out/util/macroExpander.js') as {
  expandMacro(pattern: string, arch: string | null, appInfo: AppInfo, extra?: Record<string, string>): string;
};

const quietLogger: DebugLoggerLike = { isEnabled: false, add: () => undefined };
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

type Os = 'linux' | 'mac' | 'win';
interface Target {
  os: Os;
  arch: 'x64' | 'arm64';
}

/** What electron-builder's PlatformPackager.expandMacro does: ${os} is mac|linux|win, ${arch} the target's. */
function expanderFor(target: Target): Expander {
  const appInfo = { version, productName: 'Merchant Workbench' } as unknown as AppInfo;
  return (pattern) => expandMacro(pattern, target.arch, appInfo, { os: target.os, '/*': '{,/**/*}' });
}

/** A stat for a path that need not exist here (another platform's package, a not-yet-built out/ file). */
const fileStat = (moduleFullFilePath?: string): Stat => ({ isDirectory: () => false, moduleFullFilePath });

/** Every file under a folder, as paths relative to the repository root (forward slashes). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

let config: Configuration;

beforeAll(async () => {
  config = await getConfig(root, 'electron-builder.config.ts', null);
});

/** electron-builder's verdicts for one target, the way platformPackager.copyAppFiles asks for them. */
function packerFor(target: Target) {
  const expander = expanderFor(target);
  const options = (config[target.os] ?? {}) as PlatformSpecificBuildOptions;
  const destination = '/packed/app';
  const outDir = join(root, expander(config.directories?.output ?? 'dist'));
  const info = {
    projectDir: root,
    buildResourcesDir: config.directories?.buildResources ?? 'build',
    isPrepackedAppAsar: false,
    config,
    debugLogger: quietLogger,
  };
  const main = matchers.getMainFileMatchers(root, destination, expander, options, { info }, outDir, false);
  const nodeModules = matchers.getNodeModuleFileMatcher(root, destination, expander, options, info);
  const unpack = matchers.getFileMatchers(config, 'asarUnpack', destination, {
    macroExpander: expander,
    customBuildOptions: options,
    globalOutDir: outDir,
    defaultSrc: root,
  });
  const unpackFilter = unpack?.[0]?.createFilter();
  const packageDir = (path: string) => {
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    if (!m?.[1]) throw new Error(`not a node_modules path: ${path}`);
    return `node_modules/${m[1]}`;
  };
  return {
    mainMatchers: main,
    /** Whether an app file (outside node_modules) goes into the package. */
    app: (path: string) => main.some((m) => m.createFilter()(join(root, path), fileStat())),
    /** Whether a node_modules file goes into the package: as computeNodeModuleFileSets asks, one matcher per package. */
    module: (path: string) => {
      const dir = packageDir(path);
      const filter = new matchers.FileMatcher(join(root, dir), join(destination, dir), expander, nodeModules.patterns);
      return filter.createFilter()(join(root, path), fileStat(path));
    },
    /** Whether a packed file is stored outside app.asar. */
    unpacked: (path: string) =>
      unpackFilter?.(join(root, path), path.startsWith('node_modules/') ? fileStat(path) : fileStat()) ?? false,
  };
}

describe('electron-builder.config.ts', () => {
  it('is loaded by electron-builder and passes its schema', async () => {
    expect(config.appId).toBe('app.merchant-workbench.desktop');
    expect(config.productName).toBe('Merchant Workbench');
    expect(config.directories?.output).toBe('release/${version}');
    await expect(validateConfiguration(config, quietLogger)).resolves.toBeUndefined();
  });

  it('flips the security fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs into asar without rebuilding the native modules', () => {
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(false);
  });

  it('builds NSIS, a hardened-runtime DMG, AppImage and deb', () => {
    const targets = (os: Os) => (config[os]?.target as { target: string }[] | undefined)?.map((t) => t.target);
    expect(targets('win')).toEqual(['nsis']);
    expect(targets('mac')).toEqual(['dmg']);
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
  });
});

const linux = () => packerFor({ os: 'linux', arch: 'x64' });

describe('what goes into the app', () => {
  it('uses one file set: a second one (e.g. a platform-level files list) would copy the whole project', () => {
    expect(linux().mainMatchers).toHaveLength(1);
  });

  it('takes the build output, resources and package.json, and nothing else from the project', () => {
    const p = linux();
    for (const path of ['out/main/index.js', 'out/main/chunks/importer-x.js', 'out/preload/preload.cjs']) {
      expect(p.app(path), path).toBe(true);
    }
    expect(p.app('out/renderer/index.html')).toBe(true);
    expect(p.app('package.json')).toBe(true);
    expect(p.app('resources/screenshots/overview.png')).toBe(false);
    // Every other top-level entry of this checkout, whatever it holds, stays out.
    const kept = new Set(['out', 'resources', 'package.json', 'node_modules']);
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (kept.has(entry.name)) continue;
      const path = entry.isDirectory() ? `${entry.name}/some-file.ts` : entry.name;
      expect(p.app(path), path).toBe(false);
    }
    for (const path of ['src-main/index.ts', 'tests/packaging.test.ts', 'bench/run.ts', '.ci/run', 'tsconfig.json']) {
      expect(p.app(path), path).toBe(false);
    }
  });
});

describe('node-llama-cpp binaries', () => {
  const installed = readdirSync(join(root, 'node_modules/@node-llama-cpp'));
  const binaries = (pkg: string) =>
    filesUnder(join(root, 'node_modules/@node-llama-cpp', pkg, 'bins')).filter((f) => /\.(node|so|dylib|dll)$/.test(f));

  // npm installs the packages of the machine it runs on: node-llama-cpp names them as electron-builder's ${os}.
  const hostOs = ({ darwin: 'mac', win32: 'win' } as Record<string, Os>)[process.platform] ?? 'linux';
  const host = `${hostOs}-${process.arch}`;

  it('finds the real packages of this machine to check against', () => {
    const own = installed.filter((pkg) => pkg === host || pkg.startsWith(`${host}-`));
    expect(own.length).toBeGreaterThan(0);
    expect(own.flatMap(binaries).some((f) => f.endsWith('/llama-addon.node'))).toBe(true);
  });

  for (const target of [
    { os: 'linux', arch: 'x64' },
    { os: 'linux', arch: 'arm64' },
    { os: 'win', arch: 'x64' },
    { os: 'mac', arch: 'arm64' },
  ] satisfies Target[]) {
    it(`keeps only the ${target.os}-${target.arch} packages, and unpacks them from asar`, () => {
      const p = packerFor(target);
      const own = (pkg: string) =>
        pkg === `${target.os}-${target.arch}` || pkg.startsWith(`${target.os}-${target.arch}-`);
      let kept = 0;
      for (const pkg of installed) {
        for (const file of binaries(pkg)) {
          expect(p.module(file), file).toBe(own(pkg));
          if (own(pkg)) {
            expect(p.unpacked(file), file).toBe(true);
            kept++;
          }
        }
      }
      if (`${target.os}-${target.arch}` === host) expect(kept).toBeGreaterThan(0);
      // Packages npm installs only on other machines, by the names node-llama-cpp gives them.
      for (const pkg of ['win-x64', 'win-x64-cuda', 'win-arm64', 'mac-arm64-metal', 'mac-x64', 'linux-x64-vulkan']) {
        const file = `node_modules/@node-llama-cpp/${pkg}/bins/${pkg}/llama-addon.node`;
        expect(p.module(file), file).toBe(own(pkg));
      }
    });
  }

  it('keeps node-llama-cpp itself but not the llama.cpp source bundle (never built from source) nor source maps', () => {
    const p = linux();
    expect(p.module('node_modules/node-llama-cpp/dist/index.js')).toBe(true);
    expect(p.module('node_modules/node-llama-cpp/package.json')).toBe(true);
    expect(p.module('node_modules/node-llama-cpp/llama/gitRelease.bundle')).toBe(false);
    expect(p.module('node_modules/node-llama-cpp/dist/index.js.map')).toBe(false);
  });
});

describe('better-sqlite3', () => {
  it("keeps the target architecture's prebuilds, unpacked, and drops the C sources", () => {
    const p = linux();
    const prebuilds = filesUnder(join(root, 'node_modules/better-sqlite3/prebuilds'));
    expect(prebuilds).toContain('node_modules/better-sqlite3/prebuilds/linux-x64.node');
    for (const file of prebuilds) expect(p.module(file), file).toBe(file.endsWith('-x64.node'));
    expect(p.unpacked('node_modules/better-sqlite3/prebuilds/linux-x64.node')).toBe(true);
    expect(p.module('node_modules/better-sqlite3/lib/index.js')).toBe(true);
    expect(p.unpacked('node_modules/better-sqlite3/lib/index.js')).toBe(false);
    expect(p.module('node_modules/better-sqlite3/deps/sqlite3/sqlite3.c')).toBe(false);
    expect(p.module('node_modules/better-sqlite3/src/better_sqlite3.cpp')).toBe(false);
  });

  it('leaves the app code inside app.asar, where the integrity check covers it', () => {
    const p = linux();
    for (const path of ['out/main/index.js', 'out/main/import-row-worker.js', 'out/preload/preload.cjs']) {
      expect(p.unpacked(path), path).toBe(false);
    }
  });
});

describe('the built main process', () => {
  let outDir: string;

  beforeAll(async () => {
    // The project's own electron-vite config, main process only, into a temporary folder.
    const { resolveConfig } = await import('electron-vite');
    const { build } = await import('vite');
    process.env['NODE_ENV_ELECTRON_VITE'] = 'production';
    const resolved = await resolveConfig(
      { configFile: join(root, 'electron.vite.config.ts'), root, logLevel: 'silent' },
      'build',
      'production',
    );
    const main = resolved.config?.main;
    if (!main) throw new Error('electron.vite.config.ts has no main build');
    outDir = mkdtempSync(join(tmpdir(), 'wb-packaging-'));
    await build({
      ...main,
      logLevel: 'silent',
      build: { ...main.build, outDir: join(outDir, 'main'), emptyOutDir: true },
    });
  });

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  // Each worker thread started through util/worker-entry.ts, by its bundled name.
  const lookedUp = ['import-row-worker', 'stats-worker', 'kmeans-worker', 'als-worker'];

  it.each(lookedUp)('lets the code that starts %s find its entry from the chunk it lands in', (entry) => {
    const main = join(outDir, 'main');
    const bundled = [...readdirSync(main), ...readdirSync(join(main, 'chunks')).map((f) => `chunks/${f}`)].filter((f) =>
      f.endsWith('.js'),
    );
    const withLookup = bundled.filter(
      (f) => f !== `${entry}.js` && readFileSync(join(main, f), 'utf8').includes(`${entry}.js`),
    );
    expect(withLookup.length).toBeGreaterThan(0);
    expect(existsSync(join(main, `${entry}.js`))).toBe(true);
    for (const file of withLookup) {
      const found = workerEntry(pathToFileURL(join(main, file)), `${entry}.ts`, `${entry}.js`);
      expect(found && fileURLToPath(found), file).toBe(join(main, `${entry}.js`));
    }
  });
});
