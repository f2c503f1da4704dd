// The gateway built in another checkout (`--against DIR`: the previous commit, say), started on this
// run's config less what older builds refuse (stateDir), so a change is measured as a paired ratio in
// the same rounds rather than as two runs on a drifting machine.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fixture } from './fixture.js';
import { startGateway, type Gateway } from './servers.js';

export async function startPrevious(fx: Fixture, upstream: string, checkout: string): Promise<Gateway> {
  const file = await fx.gatewayConfig(upstream, {}, 'previous');
  const { stateDir: _unread, ...config } = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify(config, null, 2));
  return startGateway(file, { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime, cli: join(checkout, 'dist/src/cli.js') });
}
