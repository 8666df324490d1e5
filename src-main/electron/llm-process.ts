/**
 * The language model's process in the desktop app. Electron's own binary is not a plain Node, and RunAsNode is
 * fused off, so node's fork cannot start the model child there; Electron's utilityProcess can. This adapter
 * gives the runtime the part of ChildProcess it uses (messages, exit and close, stdout/stderr, kill), so
 * core/llm/runtime.ts stays free of Electron.
 */
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { utilityProcess } from 'electron';
import type { SpawnLlmChild } from '../core/llm/runtime.ts';

export const spawnUtilityChild: SpawnLlmChild = (entry, env) => {
  const proc = utilityProcess.fork(entry, [], {
    env: env as Record<string, string>,
    stdio: 'pipe',
    serviceName: 'Merchant Workbench model',
  });
  const child = new EventEmitter() as EventEmitter & {
    pid: number | undefined;
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
  proc.on('message', (message: unknown) => child.emit('message', message));
  proc.on('exit', (code: number) => {
    child.connected = false;
    child.exitCode = code;
    child.emit('exit', code, null);
    // 'close' follows once the output is drained: it carries llama.cpp's last words for the crash report.
    setImmediate(() => child.emit('close', code, null));
  });
  proc.on('error', (type: string) => child.emit('error', new Error(`model process failed: ${type}`)));
  return child as unknown as ChildProcess;
};
