// The desktop IPC's path grants: a file path from the renderer reaches the core only when the user picked or
// dropped it in that window, or when it lies inside the app's own folders. Real files, real symlinks, and one
// run through the real core (WorkspaceHost over a SQLite workspace) to show a granted import preview works.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ServerEvent } from '../src-main/core/api/contract.ts';
import { addModel, registeredModelPaths } from '../src-main/core/llm/models.ts';
import { WorkspaceHost } from '../src-main/core/workspaces/host.ts';
import { guardIpc, type IpcEventLike, type ServiceLike } from '../src-main/electron/ipc-guard.ts';
import {
  contractPathFields,
  isPathLikeName,
  mergeRules,
  PATH_FIELDS,
  pathRulesFor,
  schemaPathFields,
  valuesAt,
} from '../src-main/electron/path-fields.ts';
import {
  canonicalPath,
  isInside,
  PathGrants,
  PathGuard,
  PathNotAllowedError,
} from '../src-main/electron/path-grants.ts';
import { safeSuggestedName, saveDialogOptions } from '../src-main/electron/save-dialog.ts';
import { APP_URL } from '../src-main/electron/trust.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

/** Records what reached the core: the guard's job is to decide whether a call gets there at all. */
class RecordingService implements ServiceLike {
  readonly calls: { method: string; input: unknown }[] = [];
  call(method: string, input: unknown): Promise<unknown> {
    this.calls.push({ method, input });
    return Promise.resolve({ served: method });
  }
  onEvent(_listener: (event: ServerEvent) => void): () => void {
    return () => undefined;
  }
}

const WINDOW = 7;
const OTHER_WINDOW = 8;
const fromWindow = (id = WINDOW): IpcEventLike => ({ senderFrame: { url: APP_URL, parent: null }, sender: { id } });

let root: string;
let userData: string;
let workspaces: string;
let models: string;
let outside: string;
let outsideCsv: string;
let outsideModel: string;

beforeAll(() => {
  // realpath: the temp folder itself may sit behind a symlink (macOS /var → /private/var).
  root = realpathSync(mkdtempSync(join(tmpdir(), 'mw-path-grants-')));
  userData = join(root, 'userData');
  workspaces = join(userData, 'workspaces');
  models = join(userData, 'models');
  outside = join(root, 'home');
  for (const d of [workspaces, models, outside]) mkdirSync(d, { recursive: true });
  outsideCsv = join(outside, 'orders.csv');
  writeFileSync(outsideCsv, 'order_id,customer_id,order_date,amount\nO1,C1,2024-01-02,10.5\nO2,C2,2024-01-03,20\n');
  outsideModel = join(outside, 'tiny.gguf');
  writeFileSync(outsideModel, 'GGUF');
  writeFileSync(join(workspaces, 'export.csv'), 'customer_id\nC1\n');
  writeFileSync(join(models, 'in-folder.gguf'), 'GGUF');
  // A valid CSV, so the core would happily preview it if the guard let the path through.
  writeFileSync(join(outside, 'secret.txt'), 'customer_id,note\nC1,TOP SECRET\n');
  // Escapes planted inside the app's folders: a file link and a folder link pointing out.
  symlinkSync(join(outside, 'secret.txt'), join(workspaces, 'innocent.csv'));
  symlinkSync(outside, join(workspaces, 'linked-folder'));
  symlinkSync(outside, join(models, 'linked-models'));
  // Dangling: writing through it would create a file outside.
  symlinkSync(join(outside, 'not-yet.html'), join(workspaces, 'dangling.html'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function setup(registered: string[] = []) {
  const grants = new PathGrants();
  const guard = new PathGuard({
    grants,
    areas: () => ({ workspaces, models }),
    areaFiles: { models: () => registered },
  });
  const service = new RecordingService();
  const handler = guardIpc({ service: () => service, trusted: {}, paths: guard });
  return { grants, guard, service, handler };
}

/** One input per path-carrying method, with `path` in each of its path fields. */
function inputFor(method: string, path: string): Record<string, unknown> {
  const input: Record<string, unknown> =
    method === 'report.create' ? { format: 'html' } : method === 'llm.load' ? { gpu: 'cpu' } : {};
  for (const rule of PATH_FIELDS[method] ?? []) input[rule.field] = path;
  return input;
}

describe('which methods carry paths', () => {
  it('the table lists exactly the path fields of the contract', () => {
    const derived = Object.fromEntries(contractPathFields());
    const table = Object.fromEntries(
      Object.entries(PATH_FIELDS).map(([m, rules]) => [m, rules.map((r) => r.field).sort()]),
    );
    expect(table).toEqual(derived);
    // The ones that matter today, so a broken schema walk cannot pass by finding nothing on either side.
    for (const m of ['import.preview', 'import.start', 'llm.add', 'llm.load', 'workspaces.open', 'report.create']) {
      expect(Object.keys(derived), m).toContain(m);
    }
  });

  it('finds path fields through optional, default, union, array and nested objects; not names or URLs', () => {
    const schema = z.object({
      path: z.string(),
      out: z.string().optional(),
      fileName: z.string(),
      url: z.string(),
      nested: z.object({ modelPath: z.string().default('x'), count: z.number() }),
      inputs: z.array(z.object({ file: z.string() })),
      either: z.union([z.object({ dir: z.string() }), z.object({ other: z.string() })]),
      outputDir: z.string().nullable(),
      profile: z.string(),
    });
    expect(schemaPathFields(schema)).toEqual([
      'either.dir',
      'inputs[].file',
      'nested.modelPath',
      'out',
      'outputDir',
      'path',
    ]);
    expect(isPathLikeName('fileName')).toBe(false);
    expect(isPathLikeName('reportPath')).toBe(true);
  });

  it('reads field values from raw input, ignoring non-strings (zod rejects those later)', () => {
    expect(valuesAt({ path: '/a' }, 'path')).toEqual(['/a']);
    expect(valuesAt({ path: 5 }, 'path')).toEqual([]);
    expect(valuesAt(null, 'path')).toEqual([]);
    expect(valuesAt({ inputs: [{ file: '/a' }, { file: '/b' }, 3] }, 'inputs[].file')).toEqual(['/a', '/b']);
    expect(valuesAt(Object.create({ path: '/inherited' }) as object, 'path')).toEqual([]);
  });

  it('guards a path field the table does not list as a write that needs a save grant', () => {
    const rules = mergeRules([], ['exportPath']);
    expect(rules).toEqual([{ field: 'exportPath', access: 'write', areas: [] }]);
    const { grants, guard } = setup();
    const target = join(workspaces, 'x.csv');
    expect(() => guard.checkRules(WINDOW, 'future.export', rules, { exportPath: target })).toThrow(PathNotAllowedError);
    grants.grant(WINDOW, target, 'open');
    expect(() => guard.checkRules(WINDOW, 'future.export', rules, { exportPath: target })).toThrow(/save dialog/);
    grants.grant(WINDOW, target, 'save');
    expect(() => guard.checkRules(WINDOW, 'future.export', rules, { exportPath: target })).not.toThrow();
    expect(pathRulesFor('stats.get')).toEqual([]);
  });
});

describe('the IPC guard with path grants', () => {
  it('refuses an ungranted path for every path-carrying method before the core sees it', async () => {
    const { handler, service } = setup();
    const methods = Object.keys(PATH_FIELDS);
    expect(methods.length).toBeGreaterThanOrEqual(6);
    for (const method of methods) {
      const target = join(outside, method === 'report.create' ? 'report.html' : 'orders.csv');
      const res = await handler(fromWindow(), method, inputFor(method, target));
      expect(res, method).toMatchObject({ ok: false, error: { code: 'rejected' } });
      expect(res.ok ? '' : res.error.message, method).toMatch(/you did not choose it in this window/);
    }
    expect(service.calls).toEqual([]);
  });

  it('passes a path the user picked (or dropped) in this window, for every read method', async () => {
    const { handler, service, grants } = setup();
    grants.grant(WINDOW, outsideCsv, 'open');
    for (const method of ['import.preview', 'import.start', 'llm.add', 'llm.load', 'workspaces.open']) {
      expect(await handler(fromWindow(), method, inputFor(method, outsideCsv)), method).toEqual({
        ok: true,
        value: { served: method },
      });
    }
    expect(service.calls.map((c) => c.method)).toHaveLength(5);
    // Another window did not choose it.
    expect(await handler(fromWindow(OTHER_WINDOW), 'import.preview', { path: outsideCsv })).toMatchObject({
      ok: false,
    });
  });

  it('writes a report where the user chose in the save dialog, and only there', async () => {
    const { handler, grants } = setup();
    const chosen = join(outside, 'q3 report.pdf');
    const input = { format: 'pdf', out: chosen };
    expect(await handler(fromWindow(), 'report.create', input)).toMatchObject({ ok: false });
    // Having opened a file is no licence to overwrite it.
    grants.grant(WINDOW, chosen, 'open');
    expect(await handler(fromWindow(), 'report.create', input)).toMatchObject({ ok: false });
    grants.grant(WINDOW, chosen, 'save');
    expect(await handler(fromWindow(), 'report.create', input)).toMatchObject({ ok: true });
    // A report with no `out` goes beside the workspace: nothing to check.
    expect(await handler(fromWindow(), 'report.create', { format: 'html' })).toMatchObject({ ok: true });
  });

  it('allows paths inside the app folders without a grant', async () => {
    const { handler } = setup();
    const ok = async (method: string, input: unknown) =>
      expect(await handler(fromWindow(), method, input), `${method} ${JSON.stringify(input)}`).toMatchObject({
        ok: true,
      });
    await ok('import.preview', { path: join(workspaces, 'export.csv') });
    await ok('workspaces.open', { path: join(workspaces, 'shop.db') });
    await ok('llm.load', { path: join(models, 'in-folder.gguf') });
    await ok('report.create', { format: 'html', out: join(workspaces, 'report.html') });
  });

  it('keeps each kind of path to its own folder, and writes there to report files', async () => {
    const { handler } = setup();
    const refused = async (method: string, input: unknown) =>
      expect(await handler(fromWindow(), method, input), `${method} ${JSON.stringify(input)}`).toMatchObject({
        ok: false,
        error: { code: 'rejected' },
      });
    await refused('llm.load', { path: join(workspaces, 'export.csv') });
    await refused('import.preview', { path: join(models, 'models.json') });
    // Never overwrite a workspace database or anything else that is not a report.
    await refused('report.create', { format: 'xlsx', out: join(workspaces, 'shop.db') });
    await refused('report.create', { format: 'html', out: join(models, 'models.json') });
    await refused('report.create', { format: 'html', out: join(models, 'report.html') });
  });

  it('refuses .. tricks, relative paths and NUL bytes', async () => {
    const { handler, grants } = setup();
    grants.grant(WINDOW, outsideCsv, 'open');
    for (const path of [
      join(workspaces, '..', '..', 'home', 'secret.txt'),
      `${workspaces}/../../home/secret.txt`,
      `${workspaces}/sub/../../models/models.json`,
      '../home/secret.txt',
      'secret.txt',
      `${join(workspaces, 'export.csv')}\0.txt`,
      workspaces,
    ]) {
      expect(await handler(fromWindow(), 'import.preview', { path }), path).toMatchObject({ ok: false });
    }
    // A different spelling of a granted file is the same file.
    const respelled = `${outside}/./nowhere/../orders.csv`;
    expect(await handler(fromWindow(), 'import.preview', { path: respelled })).toMatchObject({ ok: true });
  });

  it('refuses symlink escapes out of the app folders', async () => {
    const { handler, service } = setup();
    const before = service.calls.length;
    const attempts: [string, unknown][] = [
      ['import.preview', { path: join(workspaces, 'innocent.csv') }],
      ['import.preview', { path: join(workspaces, 'linked-folder', 'secret.txt') }],
      ['llm.load', { path: join(models, 'linked-models', 'tiny.gguf') }],
      // A file that does not exist yet, under a linked folder: its real parent is outside.
      ['report.create', { format: 'html', out: join(workspaces, 'linked-folder', 'new.html') }],
      ['report.create', { format: 'html', out: join(workspaces, 'dangling.html') }],
    ];
    for (const [method, input] of attempts) {
      expect(await handler(fromWindow(), method, input), JSON.stringify(input)).toMatchObject({ ok: false });
    }
    expect(service.calls.length).toBe(before);
  });

  it('accepts a model registered in the real library on a later session, without a grant', async () => {
    const library = join(root, 'library');
    const model = writeTinyGguf(join(outside, 'registered.gguf'));
    const grants = new PathGrants();
    const guard = new PathGuard({
      grants,
      areas: () => ({ models: library }),
      areaFiles: { models: () => registeredModelPaths(library) },
    });
    const handler = guardIpc({ service: () => new RecordingService(), trusted: {}, paths: guard });
    expect(await handler(fromWindow(), 'llm.load', { path: model })).toMatchObject({ ok: false });
    // This session: the user picked it, so it may be added; the library remembers it.
    grants.grant(WINDOW, model, 'open');
    expect(await handler(fromWindow(), 'llm.add', { path: model })).toMatchObject({ ok: true });
    addModel(library, model);
    grants.clear(WINDOW);
    expect(await handler(fromWindow(), 'llm.load', { path: model })).toMatchObject({ ok: true });
  });

  it('accepts registered models that live outside the models folder for reading only', async () => {
    const { handler } = setup([outsideModel]);
    expect(await handler(fromWindow(), 'llm.load', { path: outsideModel })).toMatchObject({ ok: true });
    expect(await handler(fromWindow(), 'llm.load', { path: outsideCsv })).toMatchObject({ ok: false });
  });

  it('forgets a window’s grants when it closes or reloads', async () => {
    const { handler, grants } = setup();
    grants.grant(WINDOW, outsideCsv, 'open');
    expect(grants.count(WINDOW)).toBe(1);
    grants.clear(WINDOW);
    expect(grants.count(WINDOW)).toBe(0);
    expect(await handler(fromWindow(), 'import.preview', { path: outsideCsv })).toMatchObject({ ok: false });
    // No sender (an event without its webContents) has no grants.
    grants.grant(WINDOW, outsideCsv, 'open');
    const anonymous: IpcEventLike = { senderFrame: { url: APP_URL, parent: null } };
    expect(await handler(anonymous, 'import.preview', { path: outsideCsv })).toMatchObject({ ok: false });
  });

  it('keeps at most 512 grants per window, forgetting the oldest', () => {
    const grants = new PathGrants();
    for (let i = 0; i < 600; i++) grants.grant(WINDOW, join(outside, `f${i}.csv`), 'open');
    expect(grants.count(WINDOW)).toBe(512);
    expect(grants.has(WINDOW, canonicalPath(join(outside, 'f0.csv')), 'open')).toBe(false);
    expect(grants.has(WINDOW, canonicalPath(join(outside, 'f599.csv')), 'open')).toBe(true);
  });
});

describe('canonical paths', () => {
  it('resolves symlinks and .. and, on case-insensitive platforms, folds case', () => {
    expect(canonicalPath(join(workspaces, 'linked-folder', 'secret.txt'))).toBe(join(outside, 'secret.txt'));
    expect(canonicalPath(join(workspaces, 'linked-folder', 'later', 'new.csv'))).toBe(
      join(outside, 'later', 'new.csv'),
    );
    expect(canonicalPath(`${outside}/a/../orders.csv`)).toBe(outsideCsv);
    expect(canonicalPath(join(outside, 'Orders.CSV'), { platform: 'darwin' })).toBe(
      canonicalPath(join(outside, 'orders.csv'), { platform: 'darwin' }),
    );
    expect(canonicalPath(join(outside, 'Orders.CSV'), { platform: 'linux' })).not.toBe(outsideCsv);
    expect(isInside(join(workspaces, 'a.db'), workspaces)).toBe(true);
    expect(isInside(`${workspaces}-evil/a.db`, workspaces)).toBe(false);
    expect(isInside(workspaces, workspaces)).toBe(false);
  });

  it('matches a grant under another case on macOS and Windows, not on Linux', () => {
    for (const [platform, expected] of [
      ['darwin', true],
      ['win32', true],
      ['linux', false],
    ] as const) {
      const grants = new PathGrants({ platform });
      const guard = new PathGuard({ grants, areas: () => ({}), platform });
      grants.grant(WINDOW, join(outside, 'Data.csv'), 'open');
      const check = () => guard.check(WINDOW, 'import.preview', { path: join(outside, 'DATA.csv') });
      if (expected) expect(check, platform).not.toThrow();
      else expect(check, platform).toThrow(PathNotAllowedError);
    }
  });
});

describe('the save dialog', () => {
  it('takes only a bare file name from the renderer', () => {
    expect(safeSuggestedName('../../etc/passwd')).toBe('passwd');
    expect(safeSuggestedName('C:\\Windows\\win.ini')).toBe('win.ini');
    expect(safeSuggestedName('.bashrc')).toBe('bashrc');
    expect(safeSuggestedName(42)).toBe('export');
    const o = saveDialogOptions('../report.pdf', '/home/u/Documents');
    expect(o.defaultPath).toBe(join('/home/u/Documents', 'report.pdf'));
    expect(o.filters).toEqual([{ name: 'PDF report', extensions: ['pdf'] }]);
  });
});

describe('through the real core', () => {
  let host: WorkspaceHost;
  let handler: ReturnType<typeof guardIpc>;
  let grants: PathGrants;

  beforeAll(() => {
    host = new WorkspaceHost({ folder: workspaces, initial: join(workspaces, 'shop.db') });
    grants = new PathGrants();
    const guard = new PathGuard({ grants, areas: () => ({ workspaces: host.folder, models }) });
    handler = guardIpc({ service: () => host, trusted: {}, paths: guard });
  });
  afterAll(() => host.close());

  it('previews a dropped CSV, and refuses the same file before it was dropped', async () => {
    const refused = await handler(fromWindow(), 'import.preview', { path: outsideCsv });
    expect(refused).toMatchObject({ ok: false, error: { code: 'rejected' } });
    grants.grant(WINDOW, outsideCsv, 'open');
    const served = await handler(fromWindow(), 'import.preview', { path: outsideCsv });
    expect(served.ok).toBe(true);
    expect((served as { value: { header: string[] } }).value.header).toEqual([
      'order_id',
      'customer_id',
      'order_date',
      'amount',
    ]);
  });

  it('never lets the core read a symlinked secret', async () => {
    const res = await handler(fromWindow(), 'import.preview', { path: join(workspaces, 'innocent.csv') });
    expect(res).toMatchObject({
      ok: false,
      error: { code: 'rejected', message: expect.stringMatching(/did not choose it/) },
    });
    expect(JSON.stringify(res)).not.toContain('TOP SECRET');
  });
});
