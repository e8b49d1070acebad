// Decorator metadata must be on before the classes below are defined: it types the conversion of env strings.
import 'reflect-metadata';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { validateConfig } from './config/validate-config';

/** Settings of the case runtime. Environment variables, validated at start-up. */
export class RuntimeConfig {
  /** Per-deployment deadlines of every waiting state (process → state → ISO-8601 duration). */
  @IsString()
  @MinLength(1)
  DEADLINES_FILE = 'config/deadlines.yaml';

  /** Cases whose folded state is kept in memory (LRU). */
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  CASE_CACHE_SIZE: number = 10_000;

  /** Re-decisions after a concurrent append, when the client named no revision. */
  @IsInt()
  @Min(0)
  @Max(50)
  CASE_MAX_RETRIES: number = 5;

  /**
   * A snapshot of a case's state is stored (in the event store, stream
   * `caseSnapshot-<process>_<uuid>`) each time its event count reaches a
   * multiple of this, so a cold load folds only the events after the newest
   * one. 0 turns snapshots off (none written, none read).
   */
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  CASE_SNAPSHOT_EVERY: number = 500;
}

export function loadRuntimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  return validateConfig(RuntimeConfig, 'runtime', env);
}
