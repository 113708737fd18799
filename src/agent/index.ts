/** The node agent's public surface (composed by src/app/node.ts). */
export { NodeAgent, type NodeAgentOptions, type QueueKey } from './agent.js';
export type { AdoptionReport } from './adopt.js';
export { EVENT_COMPONENT, eventNamespace, KubeEventSink, type EventSink, type Involved } from './events.js';
export { TERMINAL_CODES, isTerminal } from './failure.js';
export { WorkQueue, backoffDelay, type WorkQueueOptions, type Timers } from './work-queue.js';
