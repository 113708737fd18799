import type { ForeignSnapshotPolicy, QuotaType } from '../domain/types.js';
import type { VolumeChange } from '../domain/volume-change.js';
import { invalidArgument } from './errors.js';
import {
  IGNORED_PREFIX, PROPERTY_GRAMMARS, allowedKeys, parseForeignSnapshots, parseProperty, parseQuotaType, parseThin,
} from './params.js';

/**
 * CSI `mutable_parameters` (CreateVolume, ValidateVolumeCapabilities, ControllerModifyVolume; spec
 * "ControllerModifyVolume") → VolumeChange. Same keys and value grammars as the StorageClass parameters
 * (params.ts), restricted to what ZFS changes on a live dataset without rewriting data:
 * - compression, recordsize, copies and dedup apply to blocks written from now on
 *   (zfsprops(7): "changing this property only affects newly-written data");
 * - atime, sync, logbias, primarycache, secondarycache take effect at once;
 * - quotaType and thin move the quota and reservation to the other rule at the volume's current size;
 * - foreignSnapshots is driver policy, not a ZFS property: only the record changes, and it decides what
 *   a later DeleteVolume does (issue #10 part 3). A volume already retired is gone for the CO and not modified.
 * Everything else in the allow-list stays fixed for the volume's life: parentDataset would move data,
 * and xattr, exec, setuid, devices, readonly, snapdir, checksum, relatime change what a running workload
 * sees of files it already has, which a VolumeAttributesClass change must not do behind its back.
 */
export const MUTABLE_PROPERTIES = [
  'compression', 'recordsize', 'atime', 'sync', 'logbias', 'primarycache', 'secondarycache', 'copies', 'dedup',
] as const;

export const MUTABLE_KEYS: readonly string[] = [...MUTABLE_PROPERTIES, 'quotaType', 'thin', 'foreignSnapshots'];

const isMutableProperty = (key: string): boolean => (MUTABLE_PROPERTIES as readonly string[]).includes(key);

function refuseKey(key: string): never {
  const known = allowedKeys().includes(key) || Object.hasOwn(PROPERTY_GRAMMARS, key);
  const why = known ? 'cannot change on an existing volume' : 'is not a parameter of this driver';
  throw invalidArgument(`mutable parameter ${JSON.stringify(key)} ${why}; mutable: ${MUTABLE_KEYS.join(', ')}`);
}

/**
 * Validates and normalises mutable parameters; INVALID_ARGUMENT names the first offending key (sorted, so
 * the same request always names the same key) before anything is touched.
 */
export function parseMutableParams(parameters: Readonly<Record<string, string>> | null | undefined): VolumeChange {
  let quotaType: QuotaType | undefined;
  let thin: boolean | undefined;
  let foreignSnapshots: ForeignSnapshotPolicy | undefined;
  const properties: Record<string, string> = {};
  for (const key of Object.keys(parameters ?? {}).sort()) {
    const value = parameters?.[key] ?? '';
    if (key.startsWith(IGNORED_PREFIX)) continue;
    if (key === 'quotaType') quotaType = parseQuotaType(value);
    else if (key === 'thin') thin = parseThin(value);
    else if (key === 'foreignSnapshots') foreignSnapshots = parseForeignSnapshots(value);
    else if (isMutableProperty(key)) properties[key] = parseProperty(key, value);
    else refuseKey(key);
  }
  return {
    properties,
    ...(quotaType === undefined ? {} : { quotaType }),
    ...(thin === undefined ? {} : { thin }),
    ...(foreignSnapshots === undefined ? {} : { foreignSnapshots }),
  };
}
