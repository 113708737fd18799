/**
 * Issue #8's migration, the part the pod is stopped for: the final round of a ZfsReplication (spec
 * `replicateNow` after `suspend`, as in docs/replication.md "Migration with replication") after a 1 MiB
 * change, from sending the patch until status answers it with nothing pending. Runs on the rig of
 * kube-restore.ts (controller and two agents against the fake API server). Baseline: what a person types
 * for the same step, `zfs snapshot` then `zfs send -i | zfs receive` into a copy that holds the base.
 */
import { decodeReplication } from '../../src/store/kube/decode-transfer.js';
import { API_VERSION, PLURAL, type ZfsReplication } from '../../src/store/kube/resources.js';
import type { JsonObject } from '../k8s/fake-apiserver/index.js';
import type { KubeRig } from './kube-rig.js';
import { zfs } from './raw.js';
import { ms, type Row } from './report.js';
import { destroyRecursive, fillRandom, rawPipe } from './transfer-rig.js';

const NAME = 'bench-migrate';
const POLL_MS = 10;
const WAIT_MS = 120_000;

export interface MigrationSetup {
  readonly rig: KubeRig;
  readonly volumeId: string;
  /** The dataset on node-a's pool, and a file path inside its mount. */
  readonly dataset: string;
  readonly dataFile: string;
  /** The volume's snapshot the bare copy starts from, and where that copy goes. */
  readonly baseSnapshot: string;
  readonly rawCopy: string;
}

async function patchSpec(rig: KubeRig, spec: JsonObject): Promise<void> {
  const url = `${rig.server.url}/apis/${API_VERSION}/${PLURAL.replication}/${NAME}`;
  const r = await fetch(url, {
    method: 'PATCH', body: JSON.stringify({ spec }),
    headers: { authorization: `Bearer ${rig.server.token}`, 'content-type': 'application/merge-patch+json' },
  });
  if (!r.ok) throw new Error(`PATCH ${NAME}: ${r.status} ${await r.text()}`);
}

/** Polls the stored replication until `done`. */
async function until(rig: KubeRig, done: (r: ZfsReplication | undefined) => boolean, what: string): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < WAIT_MS) {
    const r = decodeReplication(rig.server.peek(PLURAL.replication, NAME));
    if (done(r)) return;
    if (r?.status?.phase === 'Failing') throw new Error(`replication failing while waiting for ${what}: ${r.status.message ?? ''}`);
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
  throw new Error(`replication: ${what} did not happen in ${WAIT_MS / 1000} s`);
}

const settled = (r: ZfsReplication | undefined): boolean => r?.status?.lastReplicatedSnapshot !== undefined && r.status.pendingSnapshot === undefined;

export async function migrationRows(s: MigrationSetup, progress: (m: string) => void): Promise<Row[]> {
  progress('kube migration: a ZfsReplication to node-b, its first round');
  s.rig.server.seed(PLURAL.replication, {
    apiVersion: API_VERSION, kind: 'ZfsReplication', metadata: { name: NAME },
    spec: { volumeId: s.volumeId, targetNode: 'node-b', intervalSeconds: 3600, retain: 2 },
  } as JsonObject);
  await until(s.rig, settled, 'the first round');
  await rawPipe(s.baseSnapshot, s.rawCopy);
  progress('kube migration: 1 MiB written, then the final round (replicateNow) beside the same by hand');
  await fillRandom(s.dataFile, 1);
  const hand = `${s.dataset}@by-hand`;
  const raw = (await zfs(['snapshot', hand])) + (await rawPipe(hand, s.rawCopy, s.baseSnapshot));
  await patchSpec(s.rig, { suspend: true }); // no scheduled round meanwhile; also opens the connection the timed patch uses
  await until(s.rig, (r) => r?.spec.suspend === true, 'the suspend seen');
  const patched = performance.now();
  await patchSpec(s.rig, { replicateNow: 'final' });
  await until(s.rig, (r) => r?.status?.lastReplicateNow === 'final' && settled(r), 'the final round');
  const driver = performance.now() - patched;
  const mode = decodeReplication(s.rig.server.peek(PLURAL.replication, NAME))?.status?.lastMode ?? '?';
  await zfs(['destroy', hand]).catch(() => undefined);
  await destroyRecursive(s.rawCopy).catch(() => undefined);
  return [{
    measure: `Kubernetes mode: migration's final round after a 1 MiB change (replicateNow → answered, ${mode}): the pod's downtime`,
    driver: ms(driver), raw: ms(raw), ratio: driver / raw, target: 'report',
  }];
}

export const migrationNote = 'kube migration baseline, from bash: zfs snapshot <vol>@<s>; zfs send -i <base> <vol>@<s> | zfs receive <copy>; ' +
  'the driver: patch spec.replicateNow, until status.lastReplicateNow answers it with no pendingSnapshot (polled every 10 ms)';
