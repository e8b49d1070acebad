/**
 * Effects benchmark (`npm run bench:effects`): the whole effect path against
 * BullMQ's own rate on the same machine, in the same run.
 *
 * - BullMQ raw: `addBulk` N jobs, one Worker with a no-op processor at the same
 *   concurrency as ours; jobs/s from the first add to the last completion.
 * - End to end: N cases opened (each CASE_STARTED carries one `notify` effect),
 *   50 appends in flight; effects/s from the first append to the last
 *   EFFECT_SUCCEEDED recorded. Per effect: the dispatcher follows the log and
 *   enqueues it, a worker checks the store still owes it, resolves the
 *   recipients, records EFFECT_SUCCEEDED on the case (load → decide → append
 *   with expected revision), and the projector writes the inbox.
 * - Dispatch lag (append → job start): BullMQ's `processedOn` minus the
 *   event's commit time, for every job of the burst above, and for a paced
 *   run (one case every 20 ms, the load a bureau generates).
 *
 * - End to end with API and worker apart: the same burst, opened by this
 *   process; a worker process (spawned like the fault tests' probe worker)
 *   does everything else. The layout README's Scaling section recommends.
 *
 * The store is SQLite (WAL) with BENCH_SYNCHRONOUS durability (default FULL,
 * the deployment default); Redis at REDIS_URL (default 127.0.0.1:6379). The
 * API, dispatcher and workers run in this one process, as `npm start` does.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { EFFECT_SUCCEEDED } from '@app/engine';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import {
  CaseService,
  EventStoreModule,
  loadRuntimeConfig,
  RuntimeModule,
  loadStoreConfig,
  WORKFLOW_REGISTRY,
} from '@app/runtime';
import { EFFECT_QUEUES, EngineMetrics, EngineQueues, JobsModule, loadJobsConfig } from '@app/runtime/jobs';
import { deletePrefix, spawnProbeWorker, tempDir, uniquePrefix } from '../apps/worker/src/testing/harness';
import { createProbeRegistry, probeAdmin } from '../apps/worker/src/testing/probe-workflow';
import { WorkerDirectoryModule } from '../apps/worker/src/worker-directory.module';
import { WorkerModule } from '../apps/worker/src/worker.module';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.BENCH_EFFECTS ?? 2000);
const PACED = Number(process.env.BENCH_PACED ?? 200);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SYNCHRONOUS = (process.env.BENCH_SYNCHRONOUS ?? 'FULL') as 'FULL' | 'NORMAL';
const IN_FLIGHT = 50;
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? N);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function bullmqRaw(): Promise<number> {
  const prefix = uniquePrefix('bench-raw');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection, prefix });
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const worker = new Worker(
    'raw',
    async () => {
      if (++done === N) finished();
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < N; i += 500) {
    await queue.addBulk(
      Array.from({ length: Math.min(500, N - i) }, (_, k) => ({
        name: 'raw',
        data: { n: i + k },
        opts: { jobId: `raw_${i + k}` },
      })),
    );
  }
  await all;
  const elapsed = performance.now() - started;
  await worker.close();
  await queue.close();
  await deletePrefix(connection, prefix);
  connection.disconnect();
  return (N / elapsed) * 1000;
}

async function endToEnd() {
  const prefix = uniquePrefix('bench-e2e');
  const files = tempDir('bench-e2e');
  const jobs = loadJobsConfig({
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    WORKER_CONCURRENCY: String(CONCURRENCY),
    RECONCILE_INTERVAL_MS: '0',
  });
  const store = loadStoreConfig({ SQLITE_PATH: files.sqlite, SQLITE_SYNCHRONOUS: SYNCHRONOUS });
  const app = await Test.createTestingModule({
    imports: [
      EventStoreModule.forRoot(store),
      RuntimeModule.forRoot(loadRuntimeConfig({})),
      JobsModule.forRoot(jobs),
      WorkerDirectoryModule,
      WorkerModule.forRoot(),
    ],
  })
    .overrideProvider(WORKFLOW_REGISTRY)
    .useValue(createProbeRegistry())
    .compile();
  app.useLogger(['error', 'warn']);
  await app.init();
  const cases = app.get(CaseService);
  // Counted from the worker's own counter (incremented after the outcome is appended), so the
  // measurement adds no third reader of the log.
  const outcomes = app.get(EngineMetrics).effectOutcomes;
  const succeededSoFar = async () =>
    (await outcomes.get()).values.filter((v) => v.labels.outcome === 'succeeded').reduce((a, v) => a + v.value, 0);
  const until = async (count: number) => {
    while ((await succeededSoFar()) < count) await new Promise((resolve) => setTimeout(resolve, 2));
  };
  // Warm-up, as many effects as the burst: the first thousands run while V8 is still compiling
  // the hot paths (its compiler threads took ~1 s of CPU during a burst that followed 20 warm-up
  // cases), which would measure start-up, not the steady rate.
  const warm = until(WARM_UP);
  await burst(cases, WARM_UP, 'warm');
  await warm;

  const burstDone = until(WARM_UP + N);
  const started = performance.now();
  await burst(cases, N, 'burst');
  const appended = performance.now() - started;
  await burstDone;
  const elapsed = performance.now() - started;
  const burstLags = await lags(app.get(EngineQueues), 'burst');

  const pacedDone = until(WARM_UP + N + PACED);
  for (let i = 0; i < PACED; i++) {
    await cases.start('probe', { mode: 'notify', tag: 'paced' }, probeAdmin);
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  await pacedDone;
  const pacedLags = await lags(app.get(EngineQueues), 'paced');

  await app.close();
  const redis = new Redis(REDIS_URL);
  await deletePrefix(redis, prefix);
  redis.disconnect();
  files.remove();
  return { rate: (N / elapsed) * 1000, appendRate: (N / appended) * 1000, burstLags, pacedLags };
}

/**
 * The scaled layout (README, Scaling): this process is the API and only opens
 * the cases; a worker process (the real worker app with the probe workflow,
 * as the fault tests spawn it) follows the log, runs the effects and records
 * the outcomes. Counted here by reading the log for EFFECT_SUCCEEDED.
 */
async function apart() {
  const prefix = uniquePrefix('bench-apart');
  const files = tempDir('bench-apart');
  const app = await Test.createTestingModule({
    imports: [
      EventStoreModule.forRoot(loadStoreConfig({ SQLITE_PATH: files.sqlite, SQLITE_SYNCHRONOUS: SYNCHRONOUS })),
      RuntimeModule.forRoot(loadRuntimeConfig({})),
    ],
  })
    .overrideProvider(WORKFLOW_REGISTRY)
    .useValue(createProbeRegistry())
    .compile();
  app.useLogger(['error', 'warn']);
  await app.init();
  const cases = app.get(CaseService);
  const store = app.get<EventStore>(EVENT_STORE);
  const worker = spawnProbeWorker(
    {
      SQLITE_PATH: files.sqlite,
      SQLITE_SYNCHRONOUS: SYNCHRONOUS,
      SQLITE_POLL_MS: '5',
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      RECONCILE_INTERVAL_MS: '0',
    },
    'bench-worker',
  );
  try {
    const deadline = Date.now() + 120_000;
    while (!worker.output.some((line) => line.includes('probe worker') && line.includes('started'))) {
      if (Date.now() > deadline || worker.child.exitCode !== null) {
        throw new Error(`the worker process did not start:\n${worker.output.slice(-20).join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    let succeeded = 0;
    let from: bigint | 'start' = 'start';
    const until = async (count: number) => {
      while (succeeded < count) {
        for await (const event of store.readAll({ fromPosition: from, filter: { streamCategories: ['probe'] } })) {
          if (event.type === EFFECT_SUCCEEDED) succeeded++;
          from = event.position + 1n;
        }
        if (succeeded < count) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await burst(cases, WARM_UP, 'warm');
    await until(WARM_UP);
    const started = performance.now();
    await burst(cases, N, 'burst');
    const appended = performance.now() - started;
    await until(WARM_UP + N);
    const elapsed = performance.now() - started;
    return { rate: (N / elapsed) * 1000, appendRate: (N / appended) * 1000 };
  } finally {
    await worker.stop();
    await app.close();
    const redis = new Redis(REDIS_URL);
    await deletePrefix(redis, prefix);
    redis.disconnect();
    files.remove();
  }
}

/** Opens `count` probe cases (one notify effect each), IN_FLIGHT at a time. */
async function burst(cases: CaseService, count: number, tag: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next++;
        await cases.start('probe', { mode: 'notify', tag }, probeAdmin);
      }
    }),
  );
}

/** append → job start (ms) of the completed notify jobs whose case carries `tag`. */
async function lags(queues: EngineQueues, tag: string): Promise<number[]> {
  const jobs = await queues.byName(EFFECT_QUEUES.notify).getJobs(['completed'], 0, -1);
  return jobs
    .filter((job) => (job.data.params as { data?: { tag?: string } }).data?.tag === tag)
    .map((job) => (job.processedOn ?? 0) - (job.data.committedAt ?? 0))
    .sort((a, b) => a - b);
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  console.log(
    `effects benchmark: N=${N}, worker concurrency ${CONCURRENCY}, SQLite synchronous=${SYNCHRONOUS}, Redis ${REDIS_URL}`,
  );
  const raw = await bullmqRaw();
  const e2e = await endToEnd();
  const split = await apart();
  const raw2 = await bullmqRaw();
  const baseline = Math.max(raw, raw2);
  const fmt = (n: number) => n.toFixed(1);
  console.log('');
  console.log(
    `BullMQ raw add→process (no-op job)       ${fmt(baseline).padStart(8)} jobs/s   (runs: ${fmt(raw)}, ${fmt(raw2)})`,
  );
  console.log(
    `end to end append→done→outcome recorded  ${fmt(e2e.rate).padStart(8)} effects/s   ratio ${(e2e.rate / baseline).toFixed(2)}× (target ≥ 0.5×)`,
  );
  console.log(`  (appends alone: ${fmt(e2e.appendRate)} cases/s with ${IN_FLIGHT} in flight)`);
  console.log(
    `end to end, API and worker processes apart  ${fmt(split.rate).padStart(8)} effects/s   ratio ${(split.rate / baseline).toFixed(2)}×`,
  );
  console.log(
    `  (appends alone: ${fmt(split.appendRate)} cases/s with ${IN_FLIGHT} in flight, the worker busy meanwhile)`,
  );
  for (const [name, l] of [
    [`burst of ${N}`, e2e.burstLags],
    [`paced, 1 per ${PACE_MS} ms (${PACED})`, e2e.pacedLags],
  ] as const) {
    console.log(
      `dispatch lag append→job start, ${name.padEnd(26)} median ${fmt(quantile(l, 0.5)).padStart(7)} ms   p99 ${fmt(quantile(l, 0.99)).padStart(7)} ms   (n=${l.length})`,
    );
  }
  console.log(`p99 paced lag target ≤ 50 ms: ${quantile(e2e.pacedLags, 0.99) <= 50 ? 'met' : 'NOT met'}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
