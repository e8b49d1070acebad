import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, EsdbEventStore, type EventStore, SqliteEventStore } from '@app/event-store';
import { StoreConfig, loadStoreConfig } from './store.config';

export const STORE_CONFIG = Symbol('STORE_CONFIG');

/** Builds the adapter the configuration names. */
export function createEventStore(config: StoreConfig): EventStore {
  if (config.EVENT_STORE === 'esdb') {
    return new EsdbEventStore(config.EVENTSTORE_CONNECTION_STRING!);
  }
  return new SqliteEventStore({
    path: config.SQLITE_PATH,
    synchronous: config.SQLITE_SYNCHRONOUS,
    pollIntervalMs: config.SQLITE_POLL_MS,
  });
}

@Injectable()
class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Binds the {@link EVENT_STORE} port to the configured adapter, for the whole app. */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(config: StoreConfig = loadStoreConfig()): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: STORE_CONFIG, useValue: config },
        { provide: EVENT_STORE, useFactory: createEventStore, inject: [STORE_CONFIG] },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE, STORE_CONFIG],
    };
  }
}
