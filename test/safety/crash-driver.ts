/**
 * A crash as a node sees it: the driver and the `zfs` commands it started die together (a container kill
 * takes the whole cgroup), at whatever point the in-flight calls have reached.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Driver } from '../support/driver.js';

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return ''; // the process went away meanwhile
  }
}

async function processIds(): Promise<number[]> {
  return (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
}

/** The pid of the driver serving on d's socket (its argv names the endpoint). */
export async function driverPid(d: Driver): Promise<number> {
  for (const pid of await processIds()) {
    const argv = (await readOrEmpty(`/proc/${pid}/cmdline`)).split('\0');
    if (argv.includes('serve') && argv.includes(d.endpoint)) return pid;
  }
  throw new Error(`no driver process serves ${d.endpoint}`);
}

/** Parent pid from /proc/<pid>/stat (the command name in parentheses may itself hold spaces). */
function parentOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[1] === undefined ? undefined : Number(fields[1]);
}

async function descendantsOf(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const pid of await processIds()) {
    const ppid = parentOf(await readOrEmpty(`/proc/${pid}/stat`));
    if (ppid !== undefined) parents.set(pid, ppid);
  }
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const p = frontier.pop() as number;
    for (const [child, parent] of parents) {
      if (parent === p) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

/**
 * Freezes the driver (no new children), SIGKILLs its children, then the driver itself (Driver.kill).
 * pid comes from driverPid, looked up before the call is fired so the kill lands at the chosen delay.
 */
export async function crash(d: Driver, pid: number): Promise<void> {
  signal(pid, 'SIGSTOP');
  for (const child of await descendantsOf(pid)) signal(child, 'SIGKILL');
  await d.kill();
}
