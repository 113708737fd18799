/**
 * Issue #8's "CreateVolume to Ready for a cross-node restore" in Kubernetes mode: controller and two agents
 * as processes against the fake API server, each agent with its own transfer certificate. The snapshot is
 * on node-a; CreateVolume asks for node-b, answers ABORTED while the ZfsTransfer runs and is called again
 * (here every 100 ms; the external-provisioner backs off between retries, which a real cluster adds on
 * top), until it returns the volume. Baseline: what a person types, `zfs send | zfs receive` then `zfs clone`.
 */
import { join } from 'node:path';
import { DriverError } from '../../src/domain/errors.js';
import { TOPOLOGY_NODE_KEY } from '../../src/domain/types.js';
import type { ServeProcess } from '../e2e/processes.js';
import type { JsonObject } from '../k8s/fake-apiserver/index.js';
import { makePki } from '../support/certs.js';
import { freePort } from '../transfer/peers.js';
import { serveBench, startKubeRig, waitForCapacity, type KubeRig } from './kube-rig.js';
import { CAP } from './latency.js';
import { migrationNote, migrationRows } from './kube-migration.js';
import { rawClone } from './raw.js';
import { ms, type Row } from './report.js';
import type { Scratch } from './scratch.js';
import { timed } from './stats.js';
import { destroyRecursive, fillRandom, rawPipe, secondPool } from './transfer-rig.js';

const MIB = 1024 * 1024;
const RETRY_MS = 100;
const topology = (node: string): { segments: Record<string, string> } => ({ segments: { [TOPOLOGY_NODE_KEY]: node } });

export async function kubeRestoreSection(scratch: Scratch, mib: number, progress: (s: string) => void): Promise<{ rows: Row[]; notes: string[] }> {
  const a = await scratch.section('kube-restore-a');
  const { rawRoot, parentB, bDir } = await secondPool(scratch, 'kube-restore-b');
  const rig = await startKubeRig(scratch, a.dir);
  for (const name of ['node-a', 'node-b']) rig.server.seed('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } } as JsonObject);
  const pki = await makePki();
  await agent(scratch, rig, pki, 'node-a', a.parent, a.dir);
  await agent(scratch, rig, pki, 'node-b', parentB, bDir);
  const controller = await serveBench(scratch, 'bench-controller', join(a.dir, 'controller.sock'), ['--mode', 'controller', '--kubeconfig', rig.kubeconfig]);
  for (const node of ['node-a', 'node-b']) await waitForCapacity(controller, node);

  progress(`kube restore: writing ${mib} MiB on node-a and taking a snapshot`);
  const size = String((mib + 64) * MIB);
  const { volume } = await controller.client.controller.CreateVolume({
    name: 'origin', capacity_range: { required_bytes: size }, volume_capabilities: CAP,
    accessibility_requirements: { requisite: [topology('node-a')], preferred: [topology('node-a')] },
  });
  const volumeId = volume?.volume_id ?? '';
  await fillRandom(join(a.dir, 'mounts', volumeId, 'data'), mib);
  const { snapshot } = await controller.client.controller.CreateSnapshot({ name: 'origin-snap', source_volume_id: volumeId });
  const snapshotId = snapshot?.snapshot_id ?? '';

  progress(`kube restore: CreateVolume on node-b from node-a's snapshot (${mib} MiB)`);
  let aborted = 0;
  const driver = await timed(async () => {
    for (;;) {
      try {
        return await controller.client.controller.CreateVolume({
          name: 'restored', capacity_range: { required_bytes: size }, volume_capabilities: CAP,
          volume_content_source: { snapshot: { snapshot_id: snapshotId } },
          accessibility_requirements: { requisite: [topology('node-b')], preferred: [topology('node-b')] },
        });
      } catch (err) {
        if (!(err instanceof DriverError && err.code === 'ABORTED')) throw err;
        aborted++;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  });
  progress('kube restore: the same by hand');
  const zfsSnap = `${a.parent}/${volumeId}@${snapshotId}`;
  // The two commands a person runs, each timed in its shell.
  const raw = { ms: (await rawPipe(zfsSnap, `${rawRoot}/raw-restore`)) + (await rawClone(`${rawRoot}/raw-restore@${snapshotId}`, `${rawRoot}/raw-restored`, BigInt(size), join(bDir, 'raw-restored'))) };
  await destroyRecursive(`${rawRoot}/raw-restore`).catch(() => undefined);
  const migration = await migrationRows({
    rig, volumeId, dataset: `${a.parent}/${volumeId}`, dataFile: join(a.dir, 'mounts', volumeId, 'after-restore'),
    baseSnapshot: zfsSnap, rawCopy: `${rawRoot}/raw-migrate`,
  }, progress);
  return {
    rows: [{
      measure: `Kubernetes mode: cross-node restore of ${mib} MiB, CreateVolume until it returned (${aborted} ABORTED answers, retried every ${RETRY_MS} ms)`,
      driver: ms(driver.ms), raw: ms(raw.ms), ratio: driver.ms / raw.ms, target: 'report',
    }, ...migration],
    notes: ['kube restore baseline, from bash: zfs send <pool>/<vol>@<snap> | zfs receive <pool2>/<name>; zfs clone -o refquota=… -o mountpoint=… <copy> <pool2>/<restored>', migrationNote],
  };
}

async function agent(scratch: Scratch, rig: KubeRig, pki: Awaited<ReturnType<typeof makePki>>, node: string, parent: string, dir: string): Promise<ServeProcess> {
  const tls = await pki.node(node);
  return serveBench(scratch, `bench-${node}`, join(dir, 'node.sock'), [
    '--mode', 'node', '--node-id', node, '--parent', parent, '--mount-root', join(dir, 'mounts'), '--kubeconfig', rig.kubeconfig,
    '--transfer-listen', `127.0.0.1:${await freePort()}`, '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca,
  ]);
}
