import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Semaphore } from '../../src/zfs/limit.js';
import { ZfsStreams } from '../../src/zfs/stream.js';
import type { ZfsCapabilities } from '../../src/zfs/zfs.js';

const FUSE: ZfsCapabilities = { implementation: 'zfs-fuse', version: '0.7', properties: new Set(), multiSet: false };

// /bin/true stands in for zfs: the receive "succeeds" at once, so only the gate decides when it runs.
function streams(gate: Semaphore): ZfsStreams {
  return new ZfsStreams({ zfsPath: '/bin/true', parents: ['tank/csi'], capabilities: async () => FUSE, mountGate: gate });
}

test('with a process-scoped mount gate, a full receive on zfs-fuse waits for it and holds it until it exits', async () => {
  const gate = new Semaphore(1);
  const held = await gate.acquire();
  let started = false;
  const receiving = streams(gate).receive('tank/csi/copy', true, new AbortController().signal).then((r) => {
    started = true;
    return r;
  });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(started, false, 'no receive while a create of this process holds the gate');
  held();
  const { done } = await receiving;
  assert.equal(gate.active, 1, 'the receive holds the gate while it runs');
  await done;
  await new Promise((r) => setImmediate(r));
  assert.equal(gate.active, 0, 'and gives it back when it exits');
});

test('an incremental receive mounts nothing new and does not wait for the gate', async () => {
  const gate = new Semaphore(1);
  const held = await gate.acquire();
  const { done } = await streams(gate).receive('tank/csi/copy', false, new AbortController().signal);
  await done;
  held();
});
