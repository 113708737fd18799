import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TlsFiles } from '../../src/transfer/tls.js';

/**
 * A transfer CA and node certificates made with openssl(1), as the chart's job does in a cluster
 * (issue #8: one identity per node, CN = node ID). `rogue` is a second CA whose certificates must be refused.
 */
export interface TestPki {
  readonly dir: string;
  /** Files for `node`, signed by the transfer CA (or by the rogue CA). */
  node(node: string, options?: { readonly rogue?: boolean }): Promise<TlsFiles>;
}

async function openssl(args: readonly string[]): Promise<void> {
  await execa('/usr/bin/openssl', args, { stdio: 'ignore' });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)]);
}

export async function makePki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'zfs-csi-pki-'));
  await makeCa(dir, 'transfer-ca');
  await makeCa(dir, 'rogue-ca');
  return {
    dir,
    async node(node, options = {}) {
      const ca = options.rogue === true ? 'rogue-ca' : 'transfer-ca';
      const base = join(dir, `${node}-${ca}`);
      await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${node}`,
        '-keyout', `${base}.key`, '-out', `${base}.csr`]);
      await openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', join(dir, `${ca}.crt`), '-CAkey', join(dir, `${ca}.key`),
        '-CAcreateserial', '-days', '2', '-out', `${base}.crt`]);
      // Every node trusts the transfer CA only, whichever CA signed its own certificate.
      return { cert: `${base}.crt`, key: `${base}.key`, ca: join(dir, 'transfer-ca.crt') };
    },
  };
}
