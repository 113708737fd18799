/** Process-tree helpers for crash tests: read from /proc, so they see the driver's `zfs` children too. */
import { readdir, readFile } from 'node:fs/promises';

/** A /proc file's text, or '' when the process went away meanwhile. */
export async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

export async function processIds(): Promise<number[]> {
  return (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Parent pid from /proc/<pid>/stat (the command name in parentheses may itself hold spaces). */
function parentOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[1] === undefined ? undefined : Number(fields[1]);
}

/** Every process below root. */
export async function descendantsOf(root: number): Promise<number[]> {
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
