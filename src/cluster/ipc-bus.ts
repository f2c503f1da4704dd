// The bus between cluster workers on one machine, over the IPC channel node:cluster opens (Node and
// Bun alike): a worker sends its event to the primary, the primary sends it to every worker, sender
// included, and each worker delivers what comes back. So every worker sees every event once, in the
// same order as the others.
import type { Bus, BusEvent } from './bus.js';
import { Subscribers } from './bus.js';

const BUS_MESSAGE = 'bouncer:bus';

interface BusMessage {
  readonly type: typeof BUS_MESSAGE;
  readonly event: BusEvent;
}

function isBusMessage(message: unknown): message is BusMessage {
  return (message as BusMessage | null)?.type === BUS_MESSAGE;
}

/** A worker's side: `channel` is the worker process (process.send / process.on('message')). */
export function createWorkerBus(channel: NodeJS.Process, onError: (error: unknown) => void): Bus {
  if (channel.send === undefined) throw new TypeError('createWorkerBus needs an IPC channel (a cluster worker)');
  const subscribers = new Subscribers();
  channel.on('message', (message: unknown) => {
    if (isBusMessage(message)) subscribers.deliver(message.event, onError);
  });
  return {
    publish: (event) => void channel.send!({ type: BUS_MESSAGE, event } satisfies BusMessage),
    subscribe: (handler) => subscribers.add(handler),
  };
}

/** Something the primary can send to: a cluster Worker. */
export interface BusPeer {
  send(message: unknown): boolean;
  isConnected(): boolean;
}

/** The primary's side: relays a worker's bus message to every connected worker. */
export function relayBusMessage(message: unknown, peers: Iterable<BusPeer>): boolean {
  if (!isBusMessage(message)) return false;
  for (const peer of peers) if (peer.isConnected()) peer.send(message);
  return true;
}
