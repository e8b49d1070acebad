import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { DeadlineOverrides } from '@app/engine';
import { ConfigError } from './config/validate-config';

/**
 * Reads the deployment's deadline file (process → state → ISO-8601 duration
 * or `{ at, plus }`). The registry checks every entry names a real state.
 * A missing file stops start-up: a mistyped path must not quietly bring back
 * the machines' defaults.
 */
export function loadDeadlineOverrides(path: string): DeadlineOverrides {
  if (!existsSync(path)) {
    throw new ConfigError('deadlines', [`DEADLINES_FILE=${JSON.stringify(path)}: no such file`]);
  }
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('deadlines', [`${path}: ${(error as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('deadlines', [`${path}: expected a mapping of process → state → deadline`]);
  }
  const root = parsed as Record<string, unknown>;
  const processes = (root.deadlines ?? root) as Record<string, unknown>;
  return processes as DeadlineOverrides;
}
