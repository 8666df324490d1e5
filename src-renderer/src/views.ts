/** The app's views, in navigation order; `#/name` in the address selects one. */
export const VIEWS = [
  'overview',
  'import',
  'segments',
  'value',
  'recommend',
  'models',
  'reports',
  'chat',
  'workspaces',
] as const;
export type ViewName = (typeof VIEWS)[number];
