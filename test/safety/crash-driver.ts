/**
 * A crash as a node sees it: the driver and the `zfs` commands it started die together (a container kill
 * takes the whole cgroup), at whatever point the in-flight calls have reached.
 */
import type { Driver } from '../support/driver.js';
import { descendantsOf, processIds, readOrEmpty } from '../support/procfs.js';

/** The pid of the driver serving on d's socket (its argv names the endpoint). */
export async function driverPid(d: Driver): Promise<number> {
  for (const pid of await processIds()) {
    const argv = (await readOrEmpty(`/proc/${pid}/cmdline`)).split('\0');
    if (argv.includes('serve') && argv.includes(d.endpoint)) return pid;
  }
  throw new Error(`no driver process serves ${d.endpoint}`);
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
