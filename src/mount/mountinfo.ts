/**
 * Pure parser of /proc/<pid>/mountinfo (proc(5)). One line per mount:
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2) (3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
 *
 * (7) is zero or more optional fields ended by the single "-" separator (8). The kernel escapes space, tab,
 * newline and backslash in paths and sources as octal (`\040`, `\011`, `\012`, `\134`).
 */
import { MountError } from './errors.js';
import type { MountEntry } from './mounter.js';

const OCTAL_ESCAPE = /\\([0-7]{3})/g;

/** Decodes the kernel's `\ooo` octal escapes (mangle() in fs/proc_namespace.c). */
export function unescapeMountField(field: string): string {
  if (!field.includes('\\')) return field;
  // Escapes encode bytes; decode as bytes so that multi-byte UTF-8 written octally survives.
  const bytes: number[] = [];
  let last = 0;
  const push = (s: string): void => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  };
  for (const m of field.matchAll(OCTAL_ESCAPE)) {
    push(field.slice(last, m.index));
    bytes.push(Number.parseInt(m[1] ?? '0', 8) & 0xff);
    last = m.index + m[0].length;
  }
  push(field.slice(last));
  return Buffer.from(bytes).toString('utf8');
}

function malformed(line: string, why: string): MountError {
  return new MountError('INTERNAL', `malformed mountinfo line (${why}): ${JSON.stringify(line)}`);
}

function parseId(line: string, value: string | undefined, what: string): number {
  if (value === undefined || !/^\d+$/.test(value)) throw malformed(line, `bad ${what}`);
  return Number(value);
}

const splitOptions = (value: string | undefined): string[] =>
  value === undefined || value === '' ? [] : value.split(',');

/** One line into a MountEntry; a line we cannot read is INTERNAL (the table is never guessed, §2). */
export function parseMountInfoLine(line: string): MountEntry {
  const fields = line.split(' ');
  const sep = fields.indexOf('-', 6);
  if (fields.length < 7 || sep < 0) throw malformed(line, 'no "-" separator');
  const [id, parentId, device, root, mountPoint, options] = fields;
  if (device === undefined || !/^\d+:\d+$/.test(device)) throw malformed(line, 'bad major:minor');
  if (root === undefined || mountPoint === undefined) throw malformed(line, 'missing path');
  const fsType = fields[sep + 1];
  if (fsType === undefined || fsType === '') throw malformed(line, 'missing fstype');
  return {
    id: parseId(line, id, 'mount id'),
    parentId: parseId(line, parentId, 'parent id'),
    device,
    root: unescapeMountField(root),
    mountPoint: unescapeMountField(mountPoint),
    options: splitOptions(options),
    fsType: unescapeMountField(fsType),
    // Some filesystems show an empty source; the kernel then prints "none" or nothing at all.
    source: unescapeMountField(fields[sep + 2] ?? ''),
    superOptions: splitOptions(fields[sep + 3]),
  };
}

/** The whole table, in kernel order (later entries are mounted on top of earlier ones). */
export function parseMountInfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map(parseMountInfoLine);
}
