import { classifyStderr } from '../../src/zfs/classify.js';
import { ZfsError } from '../../src/zfs/errors.js';
import type { CommandOutput, CommandRunner } from '../../src/zfs/exec.js';

/** One scripted reply: stdout on success, or the stderr of a failure (classified like the real runner). */
export type Reply = { readonly stdout: string } | { readonly stderr: string };

/**
 * A CommandRunner that answers from a script keyed by `binary args...` (first match of a key prefix wins;
 * a function key gets the call count) and records every call.
 */
export class FakeRunner implements CommandRunner {
  readonly calls: string[] = [];
  readonly #script: Array<readonly [string, Reply | ((n: number) => Reply)]>;

  constructor(script: Array<readonly [string, Reply | ((n: number) => Reply)]>) {
    this.#script = script;
  }

  async run(binary: string, args: readonly string[]): Promise<CommandOutput> {
    const line = [binary, ...args].join(' ');
    this.calls.push(line);
    const entry = this.#script.find(([key]) => line.startsWith(key));
    if (entry === undefined) throw new Error(`unscripted command: ${line}`);
    const [key, value] = entry;
    const reply = typeof value === 'function' ? value(this.calls.filter((c) => c.startsWith(key)).length) : value;
    if ('stdout' in reply) return { stdout: reply.stdout, stderr: '' };
    throw new ZfsError(classifyStderr(reply.stderr), reply.stderr, { argv: [binary, ...args], stderr: reply.stderr });
  }
}
