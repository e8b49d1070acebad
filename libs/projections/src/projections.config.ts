import { validateConfig } from '@app/runtime/config/validate-config';
import { IsIn, IsInt, IsString, Max, Min, MinLength } from 'class-validator';

/**
 * Settings of the read models (namespace `projections`). Environment
 * variables, validated at start-up.
 */
export class ProjectionsConfig {
  /**
   * The read-model database (SQLite, its own file, never the event store's).
   * Several processes on one host may share it: each applies an event only if
   * the file's checkpoint has not passed it, inside the write transaction, so
   * nothing is applied twice. Processes on different hosts keep a file each.
   */
  @IsString()
  @MinLength(1)
  PROJECTIONS_PATH: string = './data/projections.db';

  /** `true`: follow the log in this process; `false`: only read a file another process keeps up to date. */
  @IsIn(['true', 'false'])
  PROJECTIONS_FOLLOW: 'true' | 'false' = 'true';

  /** The file can always be rebuilt from the log, so NORMAL (fast, may lose the last commits on power loss) is the default. */
  @IsIn(['OFF', 'NORMAL', 'FULL'])
  PROJECTIONS_SYNCHRONOUS: 'OFF' | 'NORMAL' | 'FULL' = 'NORMAL';

  /** Events applied per transaction while catching up (live events are applied one by one). */
  @IsInt()
  @Min(1)
  @Max(100_000)
  PROJECTIONS_BATCH_SIZE: number = 500;

  /** Cases whose folded state the projector keeps in memory (LRU). */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  PROJECTIONS_CACHE_SIZE: number = 10_000;

  /** The longest a read waits for `minPosition` (read your own writes) before answering with what it has. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  PROJECTIONS_READ_WAIT_MS: number = 2_000;
}

/** The projections settings from the environment; throws `ConfigError` naming every wrong one. */
export function loadProjectionsConfig(env: Record<string, string | undefined> = process.env): ProjectionsConfig {
  return validateConfig(ProjectionsConfig, 'projections', env);
}
