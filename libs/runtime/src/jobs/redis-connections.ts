import { Logger } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** Redis answers again after this many ms of errors before we log the next one. */
const ERROR_LOG_EVERY_MS = 10_000;

const retryStrategy = (times: number) => Math.min(times * 100, 2000);

/**
 * The process's Redis connections, made from one URL:
 * - `client`: the engine's own keys (lock, checkpoints, read models); a command
 *   waits through a short reconnect, then fails.
 * - {@link bullmq}: options for BullMQ's own connections. Each queue and worker
 *   owns its connection (BullMQ then closes it cleanly even while it is still
 *   connecting). Producers fail fast while Redis is down (after one reconnect
 *   attempt), so the dispatcher backs off and resumes from its checkpoint;
 *   workers get `maxRetriesPerRequest: null`, as BullMQ requires.
 *
 * Errors are logged (throttled) instead of crashing the process; ioredis
 * reconnects by itself.
 */
export class RedisConnections {
  readonly client: Redis;
  private readonly logger = new Logger('Redis');

  constructor(private readonly url: string) {
    this.client = new Redis(url, { connectionName: 'wf-client', retryStrategy, maxRetriesPerRequest: 2 });
    let lastLogged = 0;
    this.client.on('error', (error: Error) => {
      const now = Date.now();
      if (now - lastLogged < ERROR_LOG_EVERY_MS) return;
      lastLogged = now;
      this.logger.warn(`client connection: ${error.message}`);
    });
  }

  /** Connection options for a BullMQ queue (`producer`) or worker. */
  bullmq(role: 'producer' | 'worker'): ConnectionOptions {
    const options: RedisOptions & { url: string } = {
      url: this.url,
      connectionName: `wf-${role}`,
      retryStrategy,
      maxRetriesPerRequest: role === 'worker' ? null : 1,
    };
    return options;
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
