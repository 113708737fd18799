/**
 * The agent's look at the pool: one `zfs get -r` per present parent (DESIGN.md §7: a constant number of zfs
 * calls, not one per resource). Parents that are not present are not scanned: their volumes are Unavailable.
 */
import { decodePool, type PoolView } from '../provision/decode.js';
import { P, SCAN_PROPS } from '../provision/props.js';
import type { Zfs } from '../zfs/zfs.js';
import type { ParentPresence } from './presence.js';
import { AgentError, poolOf } from './zfs-state.js';

/** Throws UNAVAILABLE naming the first pool that is not imported (an absent pool is never "empty", §4 rule 6). */
export async function requirePools(zfs: Zfs, parents: readonly string[], signal?: AbortSignal): Promise<void> {
  for (const pool of new Set(parents.map(poolOf))) {
    if ((await zfs.poolHealth(pool, signal)) === undefined) throw new AgentError('UNAVAILABLE', `pool ${pool} is not imported`);
  }
}

/**
 * Scans each present parent. Also finishes a retirement a crash interrupted: the retired mark is set before
 * canmount=off (provisioner's retire order), so a marked dataset still mountable gets canmount=off.
 */
export async function scanParents(zfs: Zfs, presence: ParentPresence, signal?: AbortSignal): Promise<PoolView[]> {
  const views: PoolView[] = [];
  for (const { parent } of presence.list().filter((c) => c.state === 'present')) {
    const infos = await zfs.get([parent], SCAN_PROPS, { recursive: true }, signal);
    const view = decodePool(parent, infos);
    for (const info of infos) {
      const unfinished = info.props.has(P.retired) && info.props.get('type') === 'filesystem' && info.props.get('canmount') !== 'off';
      if (unfinished && info.props.get(P.managed) === 'true') await zfs.set(info.name, { canmount: 'off' }, signal);
    }
    views.push(view);
  }
  return views;
}
