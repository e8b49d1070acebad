/**
 * `npm run bench:engine` — the case engine's speed, each figure beside a
 * baseline measured in the same run:
 *   1. commands/s in process (CaseService, no HTTP) vs raw store appends, same durability, with
 *      one caller at a time and with BENCH_CALLERS (64) at once (where group commit shares a transaction);
 *   2. commands/s over HTTP, 64 connections (autocannon) vs a trivial endpoint of the same app, for
 *      an API-only process and for everything in one process (`npm start`);
 *   3. replay events/s vs XState's own actor `send`;
 *   4. cold load of a 10,000-event case against the 100 ms target: newest snapshot plus the
 *      events after it (snapshots as configured by default), and the full fold (read every
 *      event + fold) beside it.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, fold, type WorkflowRegistry } from '@app/engine';
import { SqliteEventStore } from '@app/event-store';
import {
  CASE_RUNTIME_OPTIONS,
  CaseService,
  Clock,
  EventStoreModule,
  RuntimeModule,
  WORKFLOW_REGISTRY,
  loadRuntimeConfig,
  loadStoreConfig,
} from '@app/runtime';
import { loadProjectionsConfig } from '@app/projections';
import { loadJobsConfig } from '@app/runtime/jobs';
import { Redis } from 'ioredis';
import { ApiModule } from '../apps/api/src/api.module';
import { deletePrefix, uniquePrefix } from '../apps/worker/src/testing/harness';
import { configureApp } from '../apps/api/src/configure-app';
import { CaseSnapshots } from '../libs/runtime/src/cases/case-snapshots';
import { StartFactsProvider } from '../libs/runtime/src/cases/start-facts.provider';
import { buildLeaveCase, measureReplay } from './engine-replay.bench';

const N = Number(process.env.BENCH_COMMANDS ?? 2000);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 64);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const STAFF: Actor = { id: 'p-staff', name: '干部职工（演示）', roles: ['staff'], unit: 'hazchem', kind: 'user' };
const CHIEF: Actor = { id: 'p-chief', name: '局长（演示）', roles: ['chief'], groups: ['leadership'], kind: 'user' };

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const now = () => performance.now();

function application(i: number) {
  const day = 24 * 3600_000;
  return {
    applicant: { id: STAFF.id, name: STAFF.name, unit: 'hazchem' },
    destination: { placeCode: '150602', name: '东胜区' },
    leavesCity: true,
    specialReason: `探亲 ${i}`,
    departAt: new Date(Date.now() + day).toISOString(),
    returnAt: new Date(Date.now() + 3 * day).toISOString(),
    companions: [],
    epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false },
  };
}

/** Runs `n` calls of `task` with `callers` of them in flight at a time; calls/s. */
async function callsPerSecond(n: number, callers: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t = now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n) await task(next++);
    }),
  );
  return rate(n, now() - t);
}

async function inProcess(dir: string, callers: number) {
  // Raw: the adapter's own appends of events the size of a CASE_STARTED (one transaction per
  // append with one writer; with many, the adapter's group commit shares the transaction).
  const raw = new SqliteEventStore({ path: join(dir, `raw-${callers}.db`), synchronous: 'FULL' });
  const sample = buildLeaveCase(1)[0];
  const rawRate = await callsPerSecond(N, callers, () =>
    raw.appendToStream(`bench-${randomUUID()}`, [{ ...sample, id: randomUUID() }], { expectedRevision: 'no_stream' }),
  );
  await raw.close();

  @Module({
    imports: [
      EventStoreModule.forRoot(
        loadStoreConfig({ SQLITE_PATH: join(dir, `engine-${callers}.db`), SQLITE_SYNCHRONOUS: 'FULL' }),
      ),
      RuntimeModule.forRoot(loadRuntimeConfig({})),
    ],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const cases = app.get(CaseService);
  // Warm-up (JIT, statement caches), not counted.
  for (let i = 0; i < 200; i++) {
    await cases.send((await cases.start('leaveApproval', application(i), STAFF)).state.streamId, 'APPROVE', {}, CHIEF);
  }
  const ids: string[] = [];
  const startRate = await callsPerSecond(N, callers, async (i) => {
    ids[i] = (await cases.start('leaveApproval', application(i), STAFF)).state.streamId;
  });
  const sendRate = await callsPerSecond(N, callers, (i) => cases.send(ids[i], 'APPROVE', {}, CHIEF));
  await app.close();
  return { rawRate, startRate, sendRate };
}

/**
 * The two ways the API runs: `apiOnly` is an API process of a scaled deployment
 * (`API_WITH_WORKER=false`, `PROJECTIONS_FOLLOW=false`: the worker process runs
 * effects and keeps the read models), `allInOne` is `npm start` (the dispatcher,
 * workers and projector share the API's event loop).
 */
async function overHttp(dir: string, layout: 'apiOnly' | 'allInOne') {
  process.env.AUTH_LOGIN_ADDRESS_LIMIT ??= '10000';
  const allInOne = layout === 'allInOne';
  const prefix = uniquePrefix(`bench-http-${layout}`);
  const app = await NestFactory.create(
    ApiModule.forRoot({
      store: loadStoreConfig({ SQLITE_PATH: join(dir, `http-${layout}.db`), SQLITE_SYNCHRONOUS: 'FULL' }),
      runtime: loadRuntimeConfig({}),
      projections: loadProjectionsConfig({
        PROJECTIONS_PATH: join(dir, `projections-${layout}.db`),
        PROJECTIONS_FOLLOW: allInOne ? 'true' : 'false',
      }),
      jobs: loadJobsConfig({ REDIS_URL, QUEUE_PREFIX: prefix }),
      withWorker: allInOne,
    }),
    { bodyParser: false, logger: false },
  );
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'staff', password: 'staff-demo' }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const run = (opts: autocannon.Options) =>
    new Promise<autocannon.Result>((resolve, reject) =>
      autocannon({ connections: 64, duration: HTTP_SECONDS, ...opts }, (err, result) =>
        err ? reject(err) : resolve(result),
      ),
    );
  const trivial = await run({ url: `${url}/health/live` });
  const commands = await run({
    url: `${url}/cases`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ process: 'leaveApproval', input: application(0) }),
  });
  await app.close();
  const redis = new Redis(REDIS_URL);
  await deletePrefix(redis, prefix);
  redis.disconnect();
  const ok = (r: autocannon.Result) => Math.round((r['2xx'] / r.duration) * 1);
  return {
    trivialRate: ok(trivial),
    commandRate: ok(commands),
    commandErrors: commands.non2xx + commands.errors,
    commandP99: commands.latency.p99,
  };
}

async function coldLoad(dir: string) {
  const store = new SqliteEventStore({ path: join(dir, 'cold.db'), synchronous: 'FULL' });
  // A uuid case id, so the stream is `leaveApproval-<caseId>` as the runtime names it.
  const caseId = randomUUID();
  const events = buildLeaveCase(10_000, caseId);
  const streamId = `leaveApproval-${caseId}`;
  for (let i = 0; i < events.length; i += 500) {
    const page = events.slice(i, i + 500).map(({ revision: _r, ...e }) => e);
    await store.appendToStream(streamId, page, { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) });
  }
  const config = loadRuntimeConfig({});
  @Module({
    imports: [
      EventStoreModule.forRoot(loadStoreConfig({ SQLITE_PATH: join(dir, 'cold.db'), SQLITE_SYNCHRONOUS: 'FULL' })),
      RuntimeModule.forRoot(config),
    ],
  })
  class ColdModule {}
  const app = await NestFactory.createApplicationContext(ColdModule, { logger: false });
  const registry = app.get<WorkflowRegistry>(WORKFLOW_REGISTRY);
  const withSnapshots = new CaseSnapshots(store, { every: config.CASE_SNAPSHOT_EVERY }, app.get(Clock));
  const withoutSnapshots = new CaseSnapshots(store, { every: 0 }, app.get(Clock));
  // The snapshot the runtime would have written after the appends: at the last multiple of CASE_SNAPSHOT_EVERY.
  const every = config.CASE_SNAPSHOT_EVERY;
  const taken = every > 0 ? Math.floor(events.length / every) * every : 0;
  let snapshot = 'none (CASE_SNAPSHOT_EVERY=0)';
  if (taken > 0) {
    const def = registry.forHistory(events);
    await withSnapshots.write(def, fold(def, events.slice(0, taken)));
    const latest = await withSnapshots.latest(streamId);
    const data = latest!.event.data as { encoding: string };
    snapshot = `at revision ${latest!.header.revision}, ${data.encoding}, ${Math.round(JSON.stringify(data).length / 1024)} KiB stored, ${Math.round(JSON.stringify(await latest!.record()).length / 1024)} KiB of JSON`;
  }
  const run = async (snapshots: CaseSnapshots, head = 9_999n) => {
    // A new service each run: an empty cache, as after a restart.
    const service = new CaseService(
      store,
      registry,
      app.get(CASE_RUNTIME_OPTIONS),
      app.get(Clock),
      app.get(StartFactsProvider),
      snapshots,
    );
    const t = now();
    const state = await service.get(streamId);
    const ms = now() - t;
    if (state.revision !== head) throw new Error(`cold load reached revision ${state.revision}, not ${head}`);
    return ms;
  };
  const runs = { with: [] as number[], without: [] as number[] };
  // Interleaved, so drift hits both alike; the first of each is JIT-cold.
  for (let i = 0; i < 9; i++) {
    runs.with.push(await run(withSnapshots));
    runs.without.push(await run(withoutSnapshots));
  }
  // The worst case between two snapshots: CASE_SNAPSHOT_EVERY - 1 events after the newest one.
  const between: number[] = [];
  if (taken > 0) {
    const longer = buildLeaveCase(events.length + every - 1, caseId).slice(events.length);
    for (let i = 0; i < longer.length; i += 500) {
      const page = longer.slice(i, i + 500).map(({ revision: _r, ...e }) => e);
      await store.appendToStream(streamId, page, { expectedRevision: BigInt(events.length + i - 1) });
    }
    for (let i = 0; i < 9; i++) between.push(await run(withSnapshots, BigInt(events.length + longer.length - 1)));
  }
  await withSnapshots.drain();
  await app.close();
  await store.close();
  const figures = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return {
      first: values[0],
      best: sorted[0],
      median: sorted[Math.floor(sorted.length / 2)],
      max: sorted[sorted.length - 1],
    };
  };
  return {
    every,
    snapshot,
    with: figures(runs.with),
    without: figures(runs.without),
    between: between.length > 0 ? figures(between) : undefined,
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'pwe-bench-engine-'));
  try {
    console.log(`\n1. In process (no HTTP), ${N} commands each, synchronous=FULL`);
    for (const callers of [1, CALLERS]) {
      const p = await inProcess(dir, callers);
      const who = callers === 1 ? 'one caller at a time' : `${callers} callers at once`;
      console.log(`   ${who}:`);
      console.log(`     raw store append      ${p.rawRate} appends/s`);
      console.log(`     CaseService.start     ${p.startRate} commands/s   ${ratio(p.startRate, p.rawRate)}× raw`);
      console.log(`     CaseService.send      ${p.sendRate} commands/s   ${ratio(p.sendRate, p.rawRate)}× raw`);
    }
    console.log('   (target: commands ≥ 0.8× raw append at the same durability)');

    console.log(`\n2. Over HTTP, 64 connections, ${HTTP_SECONDS} s each (autocannon, in this process)`);
    for (const layout of ['apiOnly', 'allInOne'] as const) {
      const h = await overHttp(dir, layout);
      console.log(
        layout === 'apiOnly'
          ? '   API process (API_WITH_WORKER=false, PROJECTIONS_FOLLOW=false; a worker process does the rest):'
          : '   all in one process (npm start: dispatcher, workers and projector on the same event loop):',
      );
      console.log(`     GET /health/live      ${h.trivialRate} req/s`);
      console.log(
        `     POST /cases           ${h.commandRate} commands/s   ${ratio(h.commandRate, h.trivialRate)}× trivial (target ≥ 0.5×), p99 ${h.commandP99} ms, non-2xx ${h.commandErrors}`,
      );
    }

    const r = measureReplay();
    console.log('\n3. Replay');
    console.log(`   XState actor send       ${Math.round(r.actorSendPerSec)} events/s`);
    console.log(
      `   engine fold             ${Math.round(r.foldPerSec)} events/s   ${ratio(r.foldPerSec, r.actorSendPerSec)}× actor send (target ≥ 0.5×)`,
    );

    const c = await coldLoad(dir);
    const line = (f: typeof c.with) =>
      `median ${f.median.toFixed(1)} ms, best ${f.best.toFixed(1)} ms, worst ${f.max.toFixed(1)} ms, first (JIT-cold) ${f.first.toFixed(1)} ms`;
    console.log('\n4. Cold load of a 10,000-event case (empty cache, SQLite store)');
    console.log(`   snapshot (CASE_SNAPSHOT_EVERY=${c.every}): ${c.snapshot}`);
    console.log(`   with snapshots          ${line(c.with)} (target < 100 ms)`);
    if (c.between)
      console.log(`   + ${c.every - 1} events after it  ${line(c.between)} (worst case between snapshots)`);
    console.log(`   without (full fold)     ${line(c.without)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
