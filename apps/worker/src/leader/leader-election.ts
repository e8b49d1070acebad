import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ENGINE_KEYS, type EngineKeys, JOBS_CONFIG, type JobsConfig, RedisConnections } from '@app/runtime/jobs';
import { Dispatcher } from '../dispatch/dispatcher';
import { EffectsProjector } from '../project/effects-projector';
import { Reconciler } from '../reconcile/reconciler';
import { LeaderLock } from './leader-lock';

/**
 * One process at a time dispatches: every worker process competes for a Redis
 * lock; the holder runs the dispatcher, the reconciler and the projector and
 * renews the lock every third of its TTL. When the holder dies the lock
 * expires and the next process to ask takes over; on a clean shutdown it is
 * released at once. A holder that cannot renew (Redis gone, or flushed) stops
 * its term and competes again.
 */
@Injectable()
export class LeaderElection implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LeaderElection');
  readonly lock: LeaderLock;
  private leading = false;
  private ticking: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private shuttingDown = false;

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    @Inject(ENGINE_KEYS) keys: EngineKeys,
    connections: RedisConnections,
    private readonly dispatcher: Dispatcher,
    private readonly reconciler: Reconciler,
    private readonly projector: EffectsProjector,
  ) {
    this.lock = new LeaderLock(connections.client, keys.leaderLock, config.DISPATCHER_LOCK_TTL_MS);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    if (this.leading) {
      await this.endTerm('shutting down');
      await this.lock.release().catch(() => undefined);
    }
  }

  private schedule(ms: number): void {
    if (this.shuttingDown) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule(Math.max(200, Math.floor(this.config.DISPATCHER_LOCK_TTL_MS / 3)));
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.shuttingDown) return;
    if (this.leading) {
      let held = false;
      try {
        held = await this.lock.renew();
      } catch (error) {
        this.logger.warn(`cannot renew the dispatcher lock: ${(error as Error).message}`);
      }
      if (!held) await this.endTerm('lost the dispatcher lock');
      return;
    }
    try {
      if (await this.lock.tryAcquire()) await this.beginTerm();
    } catch {
      // Redis is unreachable; the connection logs it. Try again next tick.
    }
  }

  private async beginTerm(): Promise<void> {
    this.leading = true;
    this.logger.log(`${this.lock.token} is the dispatcher`);
    this.projector.start();
    // The reconciler scans up to where the dispatcher starts: nothing falls in between.
    await this.dispatcher.start(this.lock);
    if (this.leading) this.reconciler.start();
  }

  private async endTerm(why: string): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    if (this.shuttingDown) this.logger.log(`${this.lock.token} stops dispatching: ${why}`);
    else this.logger.warn(`${this.lock.token} stops dispatching: ${why}`);
    await Promise.all([this.dispatcher.stop(), this.reconciler.stop(), this.projector.stop()]);
  }
}
