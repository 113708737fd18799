import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import { isDatasetName, parseParams, sameParams } from '../../src/csi/params.js';

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DriverError);
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('parseParams', () => {
  it('defaults: refquota, thin, no properties, no parent', () => {
    assert.deepEqual(parseParams({}), { properties: {}, quotaType: 'refquota', thin: true });
    assert.deepEqual(parseParams(undefined), { properties: {}, quotaType: 'refquota', thin: true });
  });

  it('reads driver keys', () => {
    assert.deepEqual(parseParams({ quotaType: 'quota', thin: 'false', parentDataset: 'tank/csi/' }), {
      properties: {},
      quotaType: 'quota',
      thin: false,
      parentDataset: 'tank/csi',
    });
  });

  it('ignores keys the external-provisioner adds', () => {
    const p = parseParams({ 'csi.storage.k8s.io/pvc/name': 'x', 'csi.storage.k8s.io/pv/name': 'y' });
    assert.deepEqual(p.properties, {});
  });

  it('refuses unknown keys, naming the key and the allowed ones', () => {
    invalid(() => parseParams({ mountpoint: '/x' }), /"mountpoint".*allowed: quotaType, thin, parentDataset, foreignSnapshots, compression/);
    invalid(() => parseParams({ refquota: '1G' }), /"refquota"/);
    invalid(() => parseParams({ constructor: 'x' }), /"constructor"/);
    invalid(() => parseParams(JSON.parse('{"__proto__":"x"}') as Record<string, string>), /"__proto__".*allowed/);
    invalid(() => parseParams({ 'zfs.csi.dev/foo': 'x' }), /zfs.csi.dev\/foo/);
  });

  it('accepts the compression grammar', () => {
    for (const v of ['on', 'off', 'lzjb', 'gzip', 'gzip-1', 'gzip-9', 'zle', 'lz4', 'zstd', 'zstd-1', 'zstd-19']) {
      assert.equal(parseParams({ compression: v }).properties['compression'], v);
    }
    assert.equal(parseParams({ compression: ' LZ4 ' }).properties['compression'], 'lz4');
    for (const v of ['gzip-0', 'gzip-10', 'zstd-20', 'zstd-0', 'snappy', '', 'lz4,on']) {
      invalid(() => parseParams({ compression: v }), /parameter compression/);
    }
  });

  it('normalises recordsize to bytes and refuses non powers of two', () => {
    const rs = (v: string): string | undefined => parseParams({ recordsize: v }).properties['recordsize'];
    assert.equal(rs('128K'), '131072');
    assert.equal(rs('128k'), '131072');
    assert.equal(rs('131072'), '131072');
    assert.equal(rs('1M'), '1048576');
    assert.equal(rs('512'), '512');
    for (const v of ['256', '2M', '100K', '0', 'abc', '-4K', '1.5K', '99999999999K']) {
      invalid(() => parseParams({ recordsize: v }), /parameter recordsize/);
    }
  });

  it('checks each enumerated property', () => {
    const good: Record<string, string[]> = {
      atime: ['on', 'off'],
      relatime: ['on', 'off'],
      sync: ['standard', 'always', 'disabled'],
      logbias: ['latency', 'throughput'],
      primarycache: ['all', 'none', 'metadata'],
      secondarycache: ['all', 'none', 'metadata'],
      dedup: ['on', 'off', 'verify', 'sha256', 'sha256,verify'],
      copies: ['1', '2', '3'],
      xattr: ['on', 'off', 'sa'],
      exec: ['on', 'off'],
      setuid: ['on', 'off'],
      devices: ['on', 'off'],
      readonly: ['on', 'off'],
      snapdir: ['hidden', 'visible'],
      checksum: ['on', 'fletcher4', 'sha256'],
    };
    for (const [key, values] of Object.entries(good)) {
      for (const v of values) assert.equal(parseParams({ [key]: v }).properties[key], v, `${key}=${v}`);
      invalid(() => parseParams({ [key]: 'bogus' }), new RegExp(`parameter ${key}: "bogus"`));
    }
    invalid(() => parseParams({ copies: '4' }), /copies/);
    invalid(() => parseParams({ dedup: 'verify,sha256' }), /dedup/);
  });

  it('refuses bad driver values', () => {
    invalid(() => parseParams({ quotaType: 'reservation' }), /quotaType/);
    invalid(() => parseParams({ thin: 'yes' }), /thin/);
    invalid(() => parseParams({ parentDataset: 'tank/a b' }), /parentDataset/);
    invalid(() => parseParams({ parentDataset: 'tank/x@snap' }), /parentDataset/);
    invalid(() => parseParams({ parentDataset: '/tank' }), /parentDataset/);
  });

  it('equal intent compares equal, different intent does not', () => {
    const a = parseParams({ recordsize: '128K', compression: 'LZ4', 'csi.storage.k8s.io/pvc/name': 'a' });
    const b = parseParams({ compression: 'lz4', recordsize: '131072' });
    assert.ok(sameParams(a, b));
    assert.ok(!sameParams(a, parseParams({ compression: 'lz4' })));
    assert.ok(!sameParams(a, parseParams({ compression: 'lz4', recordsize: '64K' })));
    assert.ok(!sameParams(parseParams({}), parseParams({ thin: 'false' })));
    assert.ok(!sameParams(parseParams({}), parseParams({ parentDataset: 'tank' })));
  });

  it('foreignSnapshots: keep|destroy, any case; an explicit keep is the default, destroy is another intent', () => {
    assert.equal(parseParams({ foreignSnapshots: ' Destroy ' }).foreignSnapshots, 'destroy');
    invalid(() => parseParams({ foreignSnapshots: 'delete' }), /^parameter foreignSnapshots: "delete" is not one of keep\|destroy$/);
    assert.ok(sameParams(parseParams({}), parseParams({ foreignSnapshots: 'keep' })));
    assert.ok(!sameParams(parseParams({}), parseParams({ foreignSnapshots: 'destroy' })));
  });
});

describe('isDatasetName', () => {
  it('accepts ZFS dataset names and refuses the rest', () => {
    for (const n of ['tank', 'tank/csi', 'tank/a_b.c:d-e']) assert.ok(isDatasetName(n), n);
    for (const n of ['', '/tank', 'tank//x', 'tank/../x', 'tank/x%y', 'tank/x,y', '1tank', 'tank/x#b', `t/${'a'.repeat(260)}`]) {
      assert.ok(!isDatasetName(n), n);
    }
  });
});
