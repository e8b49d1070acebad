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
}

export function loadRuntimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  return validateConfig(RuntimeConfig, 'runtime', env);
}
