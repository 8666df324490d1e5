/**
 * Which contract methods carry file paths, and what each path may name. The
 * fields are found by walking the contract's zod input schemas (a string field
 * named like a path); the table below says how each one is used. A path field
 * the table does not know yet is treated as the strictest kind (a write that
 * needs the user's own save choice), so a method added to the contract is
 * guarded before anyone remembers to list it here. tests/electron-path-grants
 * checks that the table and the schemas agree.
 */
import { api } from '../core/api/contract.ts';
import { reportFormats } from '../core/reports/sections.ts';

/** The app's own folders (and the files they stand for): paths there need no grant. uploads: browser mode's. */
export type AppArea = 'workspaces' | 'models' | 'uploads';

export interface PathFieldRule {
  /** Dotted field path in the input; `[]` steps into an array. */
  field: string;
  /** read: the core opens the file; write: the core creates or overwrites it. */
  access: 'read' | 'write';
  /** App folders where the path is allowed without a grant. */
  areas: readonly AppArea[];
  /** For writes inside an area: only these extensions (never a workspace database or the model registry). */
  extensions?: readonly string[];
}

/** Method → its path fields. Kept in step with the contract by the test. */
export const PATH_FIELDS: Readonly<Record<string, readonly PathFieldRule[]>> = {
  'workspaces.open': [{ field: 'path', access: 'read', areas: ['workspaces'] }],
  // Segment exports and reports are written beside the workspaces, so they may be imported again.
  'import.preview': [{ field: 'path', access: 'read', areas: ['workspaces', 'uploads'] }],
  'import.start': [{ field: 'path', access: 'read', areas: ['workspaces', 'uploads'] }],
  'llm.add': [{ field: 'path', access: 'read', areas: ['models'] }],
  'llm.load': [{ field: 'path', access: 'read', areas: ['models'] }],
  'report.create': [{ field: 'out', access: 'write', areas: ['workspaces'], extensions: reportFormats }],
};

/** A string field whose name says it holds a file or folder path (not fileName, not url). */
const PATH_NAME =
  /^(path|paths|out|output|file|files|dir|folder|directory)$|(Path|Paths|File|Files|Dir|Folder|Directory)$/;

export function isPathLikeName(name: string): boolean {
  return PATH_NAME.test(name);
}

/** The parts of a zod v4 schema definition the walk reads. */
interface SchemaDef {
  type: string;
  shape?: Record<string, { def: SchemaDef }>;
  innerType?: { def: SchemaDef };
  in?: { def: SchemaDef };
  options?: readonly { def: SchemaDef }[];
  left?: { def: SchemaDef };
  right?: { def: SchemaDef };
  element?: { def: SchemaDef };
}

// Wrappers whose inner schema is what the value is checked against.
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function collect(def: SchemaDef, prefix: string, name: string, out: Set<string>): void {
  if (WRAPPERS.has(def.type) && def.innerType) return collect(def.innerType.def, prefix, name, out);
  if (def.type === 'pipe' && def.in) return collect(def.in.def, prefix, name, out);
  if (def.type === 'union') {
    for (const o of def.options ?? []) collect(o.def, prefix, name, out);
    return;
  }
  if (def.type === 'intersection') {
    if (def.left) collect(def.left.def, prefix, name, out);
    if (def.right) collect(def.right.def, prefix, name, out);
    return;
  }
  if (def.type === 'array' && def.element) return collect(def.element.def, `${prefix}[]`, name, out);
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) {
      collect(child.def, prefix === '' ? key : `${prefix}.${key}`, key, out);
    }
    return;
  }
  if (def.type === 'string' && isPathLikeName(name)) out.add(prefix);
}

/** Path-like string fields of one input schema, as dotted field paths. */
export function schemaPathFields(schema: unknown): string[] {
  const out = new Set<string>();
  collect((schema as { def: SchemaDef }).def, '', '', out);
  return [...out].sort();
}

/** Every contract method with path-like input fields → those fields. */
export function contractPathFields(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [method, spec] of Object.entries(api)) {
    const fields = schemaPathFields(spec.input);
    if (fields.length > 0) found.set(method, fields);
  }
  return found;
}

/** A table's rules plus the strictest rule (a write needing the user's save choice) for fields it does not list. */
export function mergeRules(listed: readonly PathFieldRule[], found: readonly string[]): readonly PathFieldRule[] {
  const unlisted = found
    .filter((field) => !listed.some((r) => r.field === field))
    .map((field): PathFieldRule => ({ field, access: 'write', areas: [] }));
  return unlisted.length === 0 ? listed : [...listed, ...unlisted];
}

const derived = contractPathFields();

/** The rules the guard applies to a contract method. */
export function pathRulesFor(method: string): readonly PathFieldRule[] {
  const listed = Object.hasOwn(PATH_FIELDS, method) ? (PATH_FIELDS[method] ?? []) : [];
  return mergeRules(listed, derived.get(method) ?? []);
}

/** The string values at a dotted field path of a raw (not yet validated) input; anything else is left to zod. */
export function valuesAt(input: unknown, field: string): string[] {
  let current: unknown[] = [input];
  for (const part of field.split('.')) {
    const array = part.endsWith('[]');
    const key = array ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) continue;
      const value = (v as Record<string, unknown>)[key];
      if (array) {
        if (Array.isArray(value)) next.push(...(value as unknown[]));
      } else next.push(value);
    }
    current = next;
  }
  return current.filter((v): v is string => typeof v === 'string');
}
