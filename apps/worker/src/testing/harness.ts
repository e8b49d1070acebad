import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { type JobsConfig, loadJobsConfig } from '@app/runtime/jobs';

/**
 * Helpers for the worker's integration and fault tests: temp SQLite files,
 * unique queue prefixes and their clean-up, a webhook receiver, private
 * redis-server processes, spawned worker processes.
 */

/** Prints what a test checked (tests report their figures; app code logs through Nest's Logger). */
export function report(...parts: unknown[]): void {
  process.stdout.write(`  ✔ ${parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ')}\n`);
}

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ROOT = resolve(__dirname, '../../../..');

export function tempDir(name: string): { dir: string; sqlite: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `wf-${name}-`));
  return { dir, sqlite: join(dir, 'events.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A queue prefix no other test uses. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key of a prefix: what FLUSHALL does to one deployment, without touching the others. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

export function jobsConfig(prefix: string, overrides: Record<string, string> = {}, redisUrl = REDIS_URL): JobsConfig {
  return loadJobsConfig({
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    EFFECT_ATTEMPTS: '3',
    EFFECT_BACKOFF_MS: '50',
    RECONCILE_INTERVAL_MS: '0',
    DISPATCHER_LOCK_TTL_MS: '2000',
    WORKER_LOCK_DURATION_MS: '5000',
    WORKER_STALLED_INTERVAL_MS: '5000',
    ...overrides,
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    }
    await sleep(everyMs);
  }
}

export interface Delivery {
  effectId: string;
  body: Record<string, unknown>;
  worker: string;
  at: number;
}

/** A local webhook receiver that checks signatures and counts deliveries per effect id. */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  readonly badSignatures: number[] = [];
  /** Status to answer with (503: the receiver is "down"). */
  status = 200;
  /** Delay before answering (ms). */
  delayMs = 0;
  private server: Server | undefined;
  url = '';

  constructor(readonly secret = 'test-webhook-secret-0123456789') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const expected = `sha256=${createHmac('sha256', this.secret).update(raw).digest('hex')}`;
        const got = String(req.headers['x-signature'] ?? '');
        if (got.length !== expected.length || !timingSafeEqual(Buffer.from(got), Buffer.from(expected))) {
          this.badSignatures.push(Date.now());
          res.writeHead(401).end();
          return;
        }
        if (this.delayMs > 0) await sleep(this.delayMs);
        const status = this.status;
        if (status >= 200 && status < 300) {
          this.deliveries.push({
            effectId: String(req.headers['x-effect-id']),
            body: JSON.parse(raw),
            worker: String(req.headers['x-worker-id'] ?? ''),
            at: Date.now(),
          });
        }
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    const address = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}/hook`;
    return this;
  }

  /** Deliveries per effect id. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const d of this.deliveries) counts.set(d.effectId, (counts.get(d.effectId) ?? 0) + 1);
    return counts;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** A redis-server of the test's own (no persistence), so it can be flushed or killed without touching anyone else. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    let spawnError: Error | undefined;
    this.child.once('error', (error) => {
      spawnError = error;
    });
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await waitFor(
        'redis-server to answer',
        async () => {
          if (spawnError) {
            throw new Error(
              `cannot run redis-server (${spawnError.message}); the fault tests need it: apt-get install redis-server`,
            );
          }
          try {
            await probe.connect();
          } catch {
            probe.disconnect();
            return false;
          }
          return (await probe.ping()) === 'PONG';
        },
        10_000,
        50,
      );
    } finally {
      probe.disconnect();
    }
  }

  /** SIGKILL: Redis vanishes with everything in it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }
}

export interface SpawnedWorker {
  child: ChildProcess;
  output: string[];
  /** SIGKILL: no shutdown hooks, jobs left active, the lock left to expire. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
}

/** Spawns the probe worker (the real worker module, probe registry) as its own process. */
export function spawnProbeWorker(env: Record<string, string>, name = 'worker'): SpawnedWorker {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'apps/worker/src/testing/probe-worker.main.ts',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) output.push(`[${name}] ${line}`);
    if (output.length > 2000) output.splice(0, output.length - 2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    output,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
