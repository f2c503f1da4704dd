// A test origin and the gateway in front of it for a whole suite (a file or a describe block):
// started before its first test, stopped after its last. Call it where before/after may be called.
import { after, before } from 'node:test';
import { startGateway, type GatewayProcess } from './gateway.js';
import { startOrigin, type TestOrigin } from './origin.js';

interface Servers {
  readonly origin: TestOrigin;
  readonly gateway: GatewayProcess;
}

/**
 * `config` builds the gateway's configuration once the origin listens (it may also set up the
 * origin's routes). The returned origin and gateway may be used in the suite's tests and later hooks.
 */
export function originAndGateway(config: (origin: TestOrigin) => Record<string, unknown> | Promise<Record<string, unknown>>): Servers {
  let started: Servers | undefined;
  before(async () => {
    const origin = await startOrigin();
    try {
      started = { origin, gateway: await startGateway(await config(origin)) };
    } catch (error) {
      await origin.close();
      throw error;
    }
  });
  after(async () => {
    await started?.gateway.stop();
    await started?.origin.close();
  });
  const current = (): Servers => {
    if (started === undefined) throw new Error('the suite has not started its origin and gateway');
    return started;
  };
  return { origin: lateBound(() => current().origin), gateway: lateBound(() => current().gateway) };
}

/** An object that forwards every property read to what `target()` returns at the time (methods bound to it). */
function lateBound<T extends object>(target: () => T): T {
  return new Proxy({} as T, {
    get(_, key) {
      const object = target();
      const value: unknown = Reflect.get(object, key);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
