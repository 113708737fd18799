import { setMaxListeners } from 'node:events';

/**
 * An AbortController whose signal many operations in flight listen to at once: every call on the server's
 * shutdown signal, every reconcile on an agent queue's, every `zfs` command of one call on the call's
 * (execa's cancelSignal, the process limit's wait). Each listener is removed when its operation ends, so
 * Node's default of 10 listeners only turns a burst of 11 calls into a false "possible memory leak"
 * warning in the operator's log (seen 2026-12-08 with 100 concurrent CreateSnapshot).
 */
export function sharedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
