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

/** The primary's side: what the primary publishes (e.g. its admin listener) goes to every worker. */
export interface PrimaryBus extends Bus {
  /** A message from a worker: a bus event is sent on to every worker; false for other messages. */
  receive(message: unknown): boolean;
}

export function createPrimaryBus(peers: Iterable<BusPeer>, onError: (error: unknown) => void): PrimaryBus {
  const subscribers = new Subscribers();
  const broadcast = (event: BusEvent): void => {
    const message: BusMessage = { type: BUS_MESSAGE, event };
    for (const peer of peers) if (peer.isConnected()) peer.send(message);
    subscribers.deliver(event, onError);
  };
  return {
    publish: broadcast,
    subscribe: (handler) => subscribers.add(handler),
    receive(message) {
      if (!isBusMessage(message)) return false;
      broadcast(message.event);
      return true;
    },
  };
}
