#!/usr/bin/env node
import type { Logger } from 'winston';
import { ConfigError, parseServeConfig, SERVE_FLAGS, type Config } from './config.js';
import { createLogger } from './logger.js';
import { runStandalone, type Running } from './standalone.js';
import { VERSION } from './version.js';

const USAGE = `zfs-csi ${VERSION}: Kubernetes CSI driver for ZFS

Usage:
  zfs-csi serve --mode standalone|controller|node [flags]   serve CSI on a unix socket
  zfs-csi ctl <command> [flags]                             talk to a running driver (zfs-csi ctl --help)
  zfs-csi --version | --help

serve flags (each may also come from the environment variable shown):
${Object.entries(SERVE_FLAGS)
  .map(([flag, { env, help }]) => `  --${flag.padEnd(23)} ${help} [${env}]`)
  .join('\n')}

environment only:
  POD_NAMESPACE       namespace of the Events the driver records and of the controller's leader Lease (default: default)
  POD_NAME            the controller replica's identity in the leader Lease (default: hostname and a random suffix)
  ZFS_CSI_TRACE=1     write one line of timing spans per CSI call to stderr (docs/performance.md)
`;

/** How long SIGTERM waits for in-flight calls before forcing the server down. */
const DRAIN_MS = 20_000;
/** After draining, how long stdout gets to flush before the process exits regardless of open handles. */
const EXIT_GRACE_MS = 500;

/** Each mode's composition root; loaded on demand so a mode does not load what it never uses. */
async function start(config: Config, log: Logger): Promise<Running> {
  switch (config.mode) {
    case 'standalone':
      return runStandalone(config, log);
    case 'controller':
      return (await import('./controller.js')).runController(config, log);
    case 'node':
      return (await import('./node.js')).runNode(config, log);
  }
}

async function serve(argv: readonly string[]): Promise<number> {
  let config;
  try {
    config = parseServeConfig(argv, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`zfs-csi serve: ${err.message}\n`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  const running = await start(config, log);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string): void => {
      log.info('draining in-flight calls', { signal });
      void running.stop(DRAIN_MS).then(resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  log.info('stopped');
  // Drained: nothing of ours is in flight. A handle left open by a library (a watch socket, a hung statfs
  // on a dead FUSE mount) must not keep the pod from terminating, so exit once the log has flushed.
  setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'ctl': {
      const { runCtl } = await import('./ctl/main.js');
      return runCtl(rest);
    }
    case '--version':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`zfs-csi: unknown command ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`zfs-csi: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
