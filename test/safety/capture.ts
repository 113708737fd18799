/**
 * Everything the CO can learn about volumes and snapshots, captured so two driver processes on the same
 * pool can be compared answer by answer (DESIGN.md §2: standalone state is rebuilt from the pool).
 */
import assert from 'node:assert/strict';
import { DriverError } from '../../src/domain/errors.js';
import type { CsiClient } from '../../src/grpc/client.js';

/** An answer, or the CSI code the call failed with (NOT_FOUND for deleted objects). */
type Answer = unknown;

export interface Captured {
  readonly listVolumes: unknown[];
  readonly listSnapshots: unknown[];
  readonly getVolume: Record<string, Answer>;
  readonly getSnapshot: Record<string, Answer>;
}

async function answer(call: Promise<unknown>): Promise<Answer> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof DriverError) return { failed: err.code };
    throw err;
  }
}

/** Every page of a list, with small pages so paging itself is part of what must survive a restart. */
async function allPages<E>(page: (token: string) => Promise<{ entries: E[]; next_token: string }>): Promise<E[]> {
  const out: E[] = [];
  let token = '';
  do {
    const r = await page(token);
    out.push(...r.entries);
    token = r.next_token;
  } while (token !== '');
  return out;
}

/** ListVolumes, ListSnapshots, and ControllerGetVolume / GetSnapshot of each given ID (gone ones included). */
export async function capture(
  c: CsiClient,
  volumeIds: readonly string[],
  snapshotIds: readonly string[],
): Promise<Captured> {
  const getVolume: Record<string, Answer> = {};
  const getSnapshot: Record<string, Answer> = {};
  for (const id of volumeIds) getVolume[id] = await answer(c.controller.ControllerGetVolume({ volume_id: id }));
  for (const id of snapshotIds) getSnapshot[id] = await answer(c.controller.GetSnapshot({ snapshot_id: id }));
  return {
    listVolumes: await allPages((t) => c.controller.ListVolumes({ starting_token: t, max_entries: 3 })),
    listSnapshots: await allPages((t) => c.controller.ListSnapshots({ starting_token: t, max_entries: 3 })),
    getVolume,
    getSnapshot,
  };
}

/** Deep equality, one assertion per answer so a failure names the object that changed. */
export function assertInfoEqual(actual: Captured, expected: Captured, when: string): void {
  assert.deepEqual(actual.listVolumes, expected.listVolumes, `${when}: ListVolumes differs`);
  assert.deepEqual(actual.listSnapshots, expected.listSnapshots, `${when}: ListSnapshots differs`);
  assert.deepEqual(Object.keys(actual.getVolume), Object.keys(expected.getVolume));
  for (const [id, a] of Object.entries(actual.getVolume)) {
    assert.deepEqual(a, expected.getVolume[id], `${when}: ControllerGetVolume(${id}) differs`);
  }
  assert.deepEqual(Object.keys(actual.getSnapshot), Object.keys(expected.getSnapshot));
  for (const [id, a] of Object.entries(actual.getSnapshot)) {
    assert.deepEqual(a, expected.getSnapshot[id], `${when}: GetSnapshot(${id}) differs`);
  }
}
