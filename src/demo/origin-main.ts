// CLI for the demo origin as a separate process:
//   node dist/src/demo/origin-main.js --port 0 --boot-ms 40 --slots 8 [--host 127.0.0.1] [--secret S]
// Prints one JSON line {"msg":"origin listening","url":...} when ready; SIGTERM/SIGINT stop it.
import { parseArgs } from 'node:util';
import { startDemoOrigin } from './origin.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'boot-ms': { type: 'string', default: '40' },
    slots: { type: 'string', default: '8' },
    'max-queue': { type: 'string', default: '10000' },
    secret: { type: 'string' },
  },
});

const origin = await startDemoOrigin({
  host: values.host,
  port: Number(values.port),
  bootMs: Number(values['boot-ms']),
  slots: Number(values.slots),
  maxQueue: Number(values['max-queue']),
  ...(values.secret === undefined ? {} : { secret: values.secret }),
});
process.stdout.write(`${JSON.stringify({ msg: 'origin listening', url: origin.url })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void origin.close().then(() => process.exit(0));
  });
}
