import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransferError } from '../../src/transfer/errors.js';
import { decodeHaves, decodeOffer, decodeResult, decodeStart, encodeMessage, type Offer } from '../../src/transfer/wire.js';

// Everything a peer sends is decoded from unknown: a well-formed message round-trips, anything else is refused.
const OFFER: Offer = {
  type: 'offer', version: 1, transfer: 'xfer-abcdefghijklmnopqrst', source: 'node-a',
  volume: { id: 'vol-abcdefghijklmnopqrst', name: 'pvc\twith tab', params: { properties: { compression: 'lz4' }, quotaType: 'refquota', thin: true } },
  snapshot: { id: 'snap-abcdefghijklmnopqrst', name: 'daily', guid: '11045577107855982752', sizeBytes: 1n << 40n, createdMs: 1795817196000 },
};
const wire = (m: object): unknown => JSON.parse(encodeMessage(m as Offer));

test('an offer survives the wire, bigints included', () => {
  assert.deepEqual(decodeOffer(wire(OFFER)), OFFER);
});

test('offers naming foreign shapes are refused before anything reaches zfs', () => {
  const bad = (patch: Record<string, unknown>): unknown => ({ ...(wire(OFFER) as object), ...patch });
  for (const raw of [
    bad({ volume: { ...OFFER.volume, id: '../../etc' } }),
    bad({ snapshot: { ...(wire(OFFER) as Offer).snapshot, id: 'snap-x,y' } }),
    bad({ snapshot: { ...(wire(OFFER) as Offer).snapshot, guid: '1; rm -rf' } }),
    bad({ parent: 'tank/a b' }),
    bad({ version: 2 }),
    bad({ volume: 'not an object' }),
    bad({ volume: { ...OFFER.volume, params: { properties: {}, quotaType: 'bogus', thin: true } } }),
    'a string', null, [],
  ]) assert.throws(() => decodeOffer(raw), (err: unknown) => err instanceof TransferError && err.code === 'INVALID_ARGUMENT');
});

test('a refusal in place of an answer carries the receiver\'s code', () => {
  assert.throws(() => decodeHaves({ type: 'refused', code: 'FAILED_PRECONDITION', message: 'no' }), (err: unknown) =>
    err instanceof TransferError && err.code === 'FAILED_PRECONDITION' && /no/.test(err.message));
  assert.throws(() => decodeHaves({ type: 'refused', code: 'MADE_UP', message: 'x' }), (err: unknown) => err instanceof TransferError && err.code === 'INTERNAL');
});

test('start: an incremental stream, and only one, names a base', () => {
  assert.deepEqual(decodeStart({ type: 'start', mode: 'incremental', base: '12', estimateBytes: '5' }), { type: 'start', mode: 'incremental', base: '12', estimateBytes: 5n });
  assert.throws(() => decodeStart({ type: 'start', mode: 'incremental', estimateBytes: '5' }));
  assert.throws(() => decodeStart({ type: 'start', mode: 'full', base: '12', estimateBytes: '5' }));
  assert.throws(() => decodeStart({ type: 'start', mode: 'rollback', estimateBytes: '5' }));
});

test('results: ok with bytes, or a code and a message', () => {
  assert.deepEqual(decodeResult({ type: 'result', ok: true, bytes: '42' }), { type: 'result', ok: true, bytes: 42n });
  assert.deepEqual(decodeResult({ type: 'result', ok: false, code: 'INTERNAL', message: 'm' }), { type: 'result', ok: false, code: 'INTERNAL', message: 'm' });
});
