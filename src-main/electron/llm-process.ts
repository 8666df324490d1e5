/**
 * The language model's process in the desktop app. Electron's own binary is not a plain Node, and RunAsNode is
 * fused off, so node's fork cannot start the model child there; Electron's utilityProcess can. This adapter
 * gives the runtime the part of ChildProcess it uses (messages, exit and close, stdout/stderr, kill), so
 * core/llm/runtime.ts stays free of Electron. Like the rest of this folder it imports nothing from Electron:
 * index.ts hands it `utilityProcess.fork`.
 */
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { SpawnLlmChild } from '../core/llm/runtime.ts';

/** The part of Electron's UtilityProcess this adapter uses. */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'message', listener: (message: unknown) => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  on(event: 'error', listener: (type: string) => void): this;
}

export type UtilityFork = (
  modulePath: string,
  args: string[],
  options: { env: Record<string, string>; stdio: 'pipe'; serviceName: string },
) => UtilityProcessLike;

export function utilityProcessSpawner(fork: UtilityFork): SpawnLlmChild {
  return (entry, env) => {
    const proc = fork(entry, [], {
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
      stdio: 'pipe',
      serviceName: 'Merchant Workbench model',
    });
    const child = new EventEmitter() as EventEmitter & {
      exitCode: number | null;
      signalCode: NodeJS.Signals | null;
      connected: boolean;
      stdout: NodeJS.ReadableStream | null;
      stderr: NodeJS.ReadableStream | null;
      send(message: unknown): boolean;
      kill(signal?: NodeJS.Signals | number): boolean;
      disconnect(): void;
    };
    Object.defineProperty(child, 'pid', { get: () => proc.pid });
    child.exitCode = null;
    child.signalCode = null;
    child.connected = true;
    child.stdout = proc.stdout;
    child.stderr = proc.stderr;
    child.send = (message) => {
      if (!child.connected) return false;
      proc.postMessage(message);
      return true;
    };
    child.kill = () => proc.kill();
    // A utility process has no IPC channel to close: ending it is how the runtime's close() lets it go.
    child.disconnect = () => {
      child.connected = false;
      proc.kill();
    };
    proc.on('message', (message) => child.emit('message', message));
    proc.on('exit', (code) => {
      child.connected = false;
      child.exitCode = code;
      child.emit('exit', code, null);
      // 'close' after the exit, as node's ChildProcess does: the runtime reports a crash from it.
      setImmediate(() => child.emit('close', code, null));
    });
    proc.on('error', (type) => child.emit('error', new Error(`model process failed: ${type}`)));
    return child as unknown as ChildProcess;
  };
}
