/** `ctl import`: hand an existing dataset to a standalone driver as a volume (issue #10, docs/import.md). */
import { DriverError } from '../../domain/errors.js';
import type { ImportReply } from '../admin-imports.js';
import { ADMIN_FLAGS } from './admin-client.js';
import type { Command } from './command.js';
import { keyValues } from './format.js';
import { formatSize } from './size.js';
import { UsageError, type FlagValues } from './flags.js';


/** The admin API's answer (src/app/admin-imports.ts), decoded rather than trusted. */
export type ImportedVolume = ImportReply;

export function decodeImported(body: unknown): ImportedVolume {
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const fields = ['volumeId', 'name', 'dataset', 'capacityBytes', 'mountpoint', 'node'] as const;
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = o[f];
    if (typeof v !== 'string') throw new DriverError('INTERNAL', `the driver's import answer has no ${f}`);
    out[f] = v;
  }
  return out as unknown as ImportedVolume;
}

/** Pure: the request body `ctl import` sends. */
export function importBody(f: FlagValues): { dataset: string; name?: string; sizeBytes?: string } {
  const [dataset, ...extra] = f.positionals;
  if (dataset === undefined || dataset === '') throw new UsageError('the dataset to import is required (zfs-csi ctl import POOL/PARENT/NAME)');
  if (extra.length > 0) throw new UsageError(`one dataset at a time (also got ${extra.join(' ')})`);
  const name = f.string('name');
  const size = f.size('size');
  if (size === 0n) throw new UsageError('--size must be more than 0');
  return { dataset, ...(name === undefined ? {} : { name }), ...(size === undefined ? {} : { sizeBytes: size.toString() }) };
}

export const importText = (v: ImportedVolume): string => keyValues([
  ['volume_id', v.volumeId],
  ['name', v.name],
  ['dataset', v.dataset],
  ['capacity', formatSize(v.capacityBytes)],
  ['mountpoint', v.mountpoint],
  ['node', v.node],
]);

export const importCommands: readonly Command[] = [{
  name: 'import',
  positional: 'DATASET',
  summary: 'Make an existing dataset (a direct child of a --parent) a volume in place, name and data kept; prints the volume ID (docs/import.md).',
  flags: {
    name: { type: 'string', value: 'NAME', help: 'the volume\'s CO name, as CreateVolume would have it (default: the dataset name)' },
    size: { type: 'string', value: 'SIZE', help: 'the volume\'s size when the dataset has no refquota (sets it; never below what it holds); with one, its refquota is the size' },
    ...ADMIN_FLAGS,
  },
  prepare(f) {
    const body = importBody(f);
    return async (c) => {
      const imported = decodeImported(await c.admin().post('/v1/imports', body));
      return { response: imported, text: importText(imported) };
    };
  },
}];
