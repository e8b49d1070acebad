// Decorator metadata must be on before the classes below are defined: it types the conversion of env strings.
import 'reflect-metadata';
import { validateConfig } from '../config/validate-config';
import { IsIn, IsInt, IsString, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';

/** Which event store the engine runs on, and its settings. Environment variables, validated at start-up. */
export class StoreConfig {
  /** `sqlite` (embedded default) or `esdb`. Defaults to `esdb` when a connection string is given. */
  @IsIn(['sqlite', 'esdb'])
  EVENT_STORE: 'sqlite' | 'esdb' = 'sqlite';

  @IsString()
  @MinLength(1)
  SQLITE_PATH = './data/events.db';

  /** FULL loses no acknowledged event on power loss; NORMAL is faster and may lose the last commits. */
  @IsIn(['FULL', 'NORMAL', 'EXTRA'])
  SQLITE_SYNCHRONOUS: 'FULL' | 'NORMAL' | 'EXTRA' = 'FULL';

  /** How often a subscription looks for appends made by another process (ms). */
  @IsInt()
  @Min(5)
  @Max(10000)
  SQLITE_POLL_MS: number = 50;

  @ValidateIf((c: StoreConfig) => c.EVENT_STORE === 'esdb')
  @IsString()
  @Matches(/^esdb(\+discover)?:\/\//, {
    message: 'EVENTSTORE_CONNECTION_STRING must start with esdb:// or esdb+discover://',
  })
  EVENTSTORE_CONNECTION_STRING?: string = undefined;
}

/** The store settings from the environment; a connection string alone selects EventStoreDB. */
export function loadStoreConfig(env: Record<string, string | undefined> = process.env): StoreConfig {
  const withDefault = env.EVENT_STORE || !env.EVENTSTORE_CONNECTION_STRING ? env : { ...env, EVENT_STORE: 'esdb' };
  return validateConfig(StoreConfig, 'event store', withDefault);
}
