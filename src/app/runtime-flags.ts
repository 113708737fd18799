/**
 * The Node.js flags the driver is run with (the Dockerfile's ENTRYPOINT, the docs' systemd unit, the
 * benchmark's driver process; test/chart/images.test.ts keeps them equal). A 2 MiB young generation
 * instead of V8's 16 MiB: the driver allocates little and briefly, and idle RSS went from 82.8 to 72.1 MiB
 * (DESIGN.md §7 budget: 80 MiB; measured 2026-12-06, issue #9 part 4).
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
