// Configuration errors: one message per problem, each naming the key path. The CLI prints them and
// exits with code 2.

export class ConfigError extends Error {
  readonly code = 'BOUNCER_CONFIG_INVALID';
  constructor(readonly problems: readonly string[], readonly source: string) {
    super(`invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** "jwt.keys[0].secret" from zod's path array. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}
