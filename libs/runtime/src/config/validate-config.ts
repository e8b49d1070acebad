import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** A setting is missing or wrong; the message names every problem so start-up can refuse clearly. */
export class ConfigError extends Error {
  constructor(namespace: string, problems: string[]) {
    super(`Invalid ${namespace} configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads one namespace of settings from the environment into a typed,
 * validated object (STYLE.md house rule 4: config is typed and validated at
 * start-up, one namespace per lib).
 */
export function validateConfig<T extends object>(
  cls: new () => T,
  namespace: string,
  env: Record<string, string | undefined> = process.env,
): T {
  const defaults = new cls();
  const present: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    if (env[key] !== undefined && env[key] !== '') present[key] = env[key];
  }
  const config = plainToInstance(cls, { ...defaults, ...present }, { enableImplicitConversion: true });
  const errors = validateSync(config, { whitelist: false });
  if (errors.length > 0) {
    throw new ConfigError(
      namespace,
      errors.map((e) => `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  return config;
}
