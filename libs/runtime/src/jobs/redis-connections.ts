import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';

/** Redis answers again after this many ms of errors before we log the next one. */
const ERROR_LOG_EVERY_MS = 10_000;

/**
 * The process's Redis connections, made from one URL:
 * - `client`: the engine's own keys (lock, checkpoints, read models); a command
 *   waits through a short reconnect, then fails.
 * - `producer`: BullMQ queues (add, remove, counts); fails fast while Redis is
 *   down (after one reconnect attempt) so the dispatcher backs off and resumes
 *   from its checkpoint instead of piling up commands.
 * - `forWorkers()`: BullMQ workers; `maxRetriesPerRequest: null` as BullMQ
 *   requires for blocking commands.
 *
 * Every connection logs its errors (throttled) instead of crashing the process;
 * ioredis reconnects by itself.
 */
export class RedisConnections {
  readonly client: Redis;
  readonly producer: Redis;
  private workerConnection: Redis | undefined;
  private readonly logger = new Logger('Redis');
  private readonly all: Redis[] = [];

  constructor(private readonly url: string) {
    this.client = this.open('client', { maxRetriesPerRequest: 2 });
    // Commands queued while disconnected fail after one reconnect attempt (ioredis flushes the offline queue).
    this.producer = this.open('producer', { maxRetriesPerRequest: 1 });
  }

  /** The shared connection of this process's BullMQ workers (each worker adds its own blocking one). */
  forWorkers(): Redis {
    this.workerConnection ??= this.open('worker', { maxRetriesPerRequest: null });
    return this.workerConnection;
  }

  /** A connection of one's own (closed with the others). */
  dedicated(name: string, options: RedisOptions = {}): Redis {
    return this.open(name, options);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.all.map(async (connection) => {
        try {
          await connection.quit();
        } catch {
          connection.disconnect();
        }
      }),
    );
  }

  private open(name: string, options: RedisOptions): Redis {
    const connection = new Redis(this.url, {
      connectionName: `wf-${name}`,
      retryStrategy: (times) => Math.min(times * 100, 2000),
      ...options,
    });
    let lastLogged = 0;
    connection.on('error', (error: Error) => {
      const now = Date.now();
      if (now - lastLogged < ERROR_LOG_EVERY_MS) return;
      lastLogged = now;
      this.logger.warn(`${name} connection: ${error.message}`);
    });
    this.all.push(connection);
    return connection;
  }
}
