/**
 * Keeps the model process on one CPU while it decodes on one thread (Linux, with util-linux's taskset).
 *
 * node-llama-cpp hands every decode step and every sampling step from the JS thread to its libuv worker and back:
 * four thread wake-ups per token. When the two threads sit on different CPUs, each wake-up crosses CPUs (on a VM,
 * an interrupt to a halted virtual CPU); on one CPU it is a plain context switch, and the threads never run at the
 * same time anyway. On the 2-core machine, side by side with llama-bench in the same rounds, 1-thread decode went
 * from 84 to 94 tok/s (llama-bench: 100). Prompt batches on several threads need the other CPUs back, so the pin
 * is lifted before them: the compute threads ggml starts inherit the affinity of the thread that starts them.
 * Each change runs taskset (10–17 ms on the 2-core VM), so the model process lifts the pin in the background as soon
 * as a reply is done (unpinLater), not inside the next prompt's time to first token.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export class CpuPin {
  /** The affinity mask the process started with (hex, as taskset prints it); null where pinning is unavailable. */
  readonly #original: string | null;
  #pinned = false;
  /** A background unpin under way (unpinLater), or null. */
  #settling: Promise<void> | null = null;

  constructor() {
    this.#original = process.platform === 'linux' ? CpuPin.#readMask() : null;
  }

  /** Whether this process can pin itself (Linux with taskset). */
  get available(): boolean {
    return this.#original !== null;
  }

  get pinned(): boolean {
    return this.#pinned;
  }

  static #readMask(): string | null {
    try {
      const out = execFileSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8', timeout: 2000 });
      return /mask:\s*([0-9a-f]+)/i.exec(out)?.[1] ?? null;
    } catch {
      return null;
    }
  }

  /** The CPU the JS thread runs on now (field 39 of /proc/self/stat), so pinning moves nothing. */
  static #currentCpu(): number | null {
    try {
      const stat = readFileSync('/proc/self/stat', 'utf8');
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = Number(fields[39 - 3]);
      return Number.isInteger(cpu) && cpu >= 0 ? cpu : null;
    } catch {
      return null;
    }
  }

  /** Every thread of the process onto the CPU the JS thread is on; false when it could not. */
  pin(): boolean {
    if (!this.#original || this.#pinned) return this.#pinned;
    const cpu = CpuPin.#currentCpu();
    if (cpu === null) return false;
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore', timeout: 2000 });
      this.#pinned = true;
    } catch {
      // A restricted container or an odd taskset: decoding works unpinned, only a little slower.
    }
    return this.#pinned;
  }

  /** The background unpin under way, or null: pin and unpin go by the state before it, so wait for it first. */
  get settling(): Promise<void> | null {
    return this.#settling;
  }

  /** Every thread back to the original mask without blocking: taskset runs while the process waits for work. */
  unpinLater(): void {
    if (!this.#original || !this.#pinned || this.#settling) return;
    const mask = this.#original;
    this.#settling = new Promise((resolve) => {
      execFile('taskset', ['-a', '-p', mask, String(process.pid)], { timeout: 2000 }, (error) => {
        if (!error) this.#pinned = false;
        this.#settling = null;
        resolve();
      });
    });
  }

  /** Every thread back to the mask the process started with. */
  unpin(): void {
    if (!this.#original || !this.#pinned) return;
    try {
      execFileSync('taskset', ['-a', '-p', this.#original, String(process.pid)], { stdio: 'ignore', timeout: 2000 });
      this.#pinned = false;
    } catch {
      // Left pinned: the next prompt runs on one CPU. Nothing breaks.
    }
  }
}
