export { startServer } from './server.ts';
export type { RunningServer, ServerOptions, ServiceLike } from './server.ts';
