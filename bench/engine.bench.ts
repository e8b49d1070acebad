/**
 * `npm run bench:engine` — the case engine's speed, each figure beside a
 * baseline measured in the same run:
 *   1. commands/s in process (CaseService, no HTTP) vs raw store appends, same durability;
 *   2. commands/s over HTTP, 64 connections (autocannon) vs a trivial endpoint of the same app;
 *   3. replay events/s vs XState's own actor `send`;
 *   4. cold load of a 10,000-event case (store read + fold) against the 100 ms target.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@app/engine';
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
import { ApiModule } from '../apps/api/src/api.module';
import { configureApp } from '../apps/api/src/configure-app';
import { StartFactsProvider } from '../libs/runtime/src/cases/start-facts.provider';
import { buildLeaveCase, measureReplay } from './engine-replay.bench';

const N = Number(process.env.BENCH_COMMANDS ?? 2000);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
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

async function inProcess(dir: string) {
  // Raw: the adapter's own appends of events the size of a CASE_STARTED, one writer.
  const raw = new SqliteEventStore({ path: join(dir, 'raw.db'), synchronous: 'FULL' });
  const sample = buildLeaveCase(1)[0];
  let t = now();
  for (let i = 0; i < N; i++) {
    await raw.appendToStream(`bench-${randomUUID()}`, [{ ...sample, id: randomUUID() }], {
      expectedRevision: 'no_stream',
    });
  }
  const rawRate = rate(N, now() - t);
  await raw.close();

  @Module({
    imports: [
      EventStoreModule.forRoot(loadStoreConfig({ SQLITE_PATH: join(dir, 'engine.db'), SQLITE_SYNCHRONOUS: 'FULL' })),
      RuntimeModule.forRoot(loadRuntimeConfig({})),
    ],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const cases = app.get(CaseService);
  const ids: string[] = [];
  t = now();
  for (let i = 0; i < N; i++) ids.push((await cases.start('leaveApproval', application(i), STAFF)).state.streamId);
  const startRate = rate(N, now() - t);
  t = now();
  for (const id of ids) await cases.send(id, 'APPROVE', {}, CHIEF);
  const sendRate = rate(N, now() - t);
  await app.close();
  return { rawRate, startRate, sendRate };
}

async function overHttp(dir: string) {
  process.env.AUTH_LOGIN_ADDRESS_LIMIT ??= '10000';
  const app = await NestFactory.create(
    ApiModule.forRoot({
      store: loadStoreConfig({ SQLITE_PATH: join(dir, 'http.db'), SQLITE_SYNCHRONOUS: 'FULL' }),
      runtime: loadRuntimeConfig({}),
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
  const events = buildLeaveCase(10_000);
  const streamId = `leaveApproval-${randomUUID()}`;
  for (let i = 0; i < events.length; i += 500) {
    const page = events.slice(i, i + 500).map(({ revision: _r, ...e }) => e);
    await store.appendToStream(streamId, page, { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) });
  }
  @Module({
    imports: [
      EventStoreModule.forRoot(loadStoreConfig({ SQLITE_PATH: join(dir, 'cold.db'), SQLITE_SYNCHRONOUS: 'FULL' })),
      RuntimeModule.forRoot(loadRuntimeConfig({})),
    ],
  })
  class ColdModule {}
  const app = await NestFactory.createApplicationContext(ColdModule, { logger: false });
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    // A new service each run: an empty cache, as after a restart.
    const service = new CaseService(
      store,
      app.get(WORKFLOW_REGISTRY),
      app.get(CASE_RUNTIME_OPTIONS),
      app.get(Clock),
      app.get(StartFactsProvider),
    );
    const t = now();
    const state = await service.get(streamId);
    runs.push(now() - t);
    if (state.revision !== 9_999n) throw new Error(`cold load reached revision ${state.revision}`);
  }
  await app.close();
  await store.close();
  runs.sort((a, b) => a - b);
  return { first: runs[0], median: runs[Math.floor(runs.length / 2)], max: runs[runs.length - 1] };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'pwe-bench-engine-'));
  try {
    const p = await inProcess(dir);
    console.log(`\n1. In process, ${N} commands, synchronous=FULL, one writer`);
    console.log(`   raw store append        ${p.rawRate} appends/s`);
    console.log(
      `   CaseService.start       ${p.startRate} commands/s   ${ratio(p.startRate, p.rawRate)}× raw (target ≥ 0.8×)`,
    );
    console.log(
      `   CaseService.send        ${p.sendRate} commands/s   ${ratio(p.sendRate, p.rawRate)}× raw (target ≥ 0.8×)`,
    );

    const h = await overHttp(dir);
    console.log(`\n2. Over HTTP, 64 connections, ${HTTP_SECONDS} s each (autocannon)`);
    console.log(`   GET /health/live        ${h.trivialRate} req/s`);
    console.log(
      `   POST /cases             ${h.commandRate} commands/s   ${ratio(h.commandRate, h.trivialRate)}× trivial (target ≥ 0.5×), p99 ${h.commandP99} ms, non-2xx ${h.commandErrors}`,
    );

    const r = measureReplay();
    console.log('\n3. Replay');
    console.log(`   XState actor send       ${Math.round(r.actorSendPerSec)} events/s`);
    console.log(
      `   engine fold             ${Math.round(r.foldPerSec)} events/s   ${ratio(r.foldPerSec, r.actorSendPerSec)}× actor send (target ≥ 0.5×)`,
    );

    const c = await coldLoad(dir);
    console.log('\n4. Cold load of a 10,000-event case (SQLite read + JSON + fold, empty cache)');
    console.log(
      `   median ${c.median.toFixed(1)} ms, best ${c.first.toFixed(1)} ms, worst ${c.max.toFixed(1)} ms (target < 100 ms)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
