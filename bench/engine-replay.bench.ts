/**
 * Engine replay benchmark (part of `npm run bench:engine`; runs alone with
 * `npx ts-node -r tsconfig-paths/register --transpile-only bench/engine-replay.bench.ts`).
 *
 * - replay: events/s of `fold` over one leaveApproval case against XState's
 *   own live actor `send` on the same machine and the same events, in the
 *   same run (target: fold ≥ 0.5× send). The pure `transition` rate is shown
 *   too, as the naive way to replay.
 * - cold load: a 10,000-event case (start, approve, file, depart, then
 *   RISK_LEVEL_CHANGED self-loops while away) folded from nothing, no cache
 *   (target < 100 ms); also with JSON.parse of the rows, as a store adapter does.
 *
 * The measuring functions are exported for `bench/engine.bench.ts`.
 */
import { performance } from 'node:perf_hooks';
import {
  type CaseEvent,
  type CaseState,
  decide,
  fold,
  type MachineEvent,
  type StoredEventLike,
  SYSTEM_ACTORS,
  start,
} from '@app/engine';
import { leaveApprovalV1 } from '@app/workflows/leaveApproval';
import { createActor, initialTransition, transition } from 'xstate';

const APPLICANT = { id: 'u-zhang', name: '张三', roles: ['staff'], unit: '安全生产基础室', kind: 'user' as const };
const CHIEF = { id: 'u-chief', name: '局长', roles: ['chief'], kind: 'user' as const };
const OFFICE = { id: 'u-office', name: '办公室', roles: ['office'], kind: 'user' as const };
const T0 = Date.parse('2020-10-01T00:00:00.000Z');

function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A leaveApproval case of `size` events, built through `start`/`decide` as
 * the runtime would, returned as a store returns them (parsed JSON, revisions).
 * After departure every event is a RISK_LEVEL_CHANGED self-loop; every
 * fourth raises the level to medium (a flag and a notify effect), the others
 * set it back to low.
 */
export function buildLeaveCase(size: number, caseId = 'bench1'): Array<CaseEvent & { revision: bigint }> {
  const events: CaseEvent[] = [];
  let n = 0;
  const at = () => iso(T0 + n * 1000);
  let decision = start(leaveApprovalV1, {
    caseId,
    eventId: uuid(++n),
    occurredAt: at(),
    actor: APPLICANT,
    input: {
      applicant: { id: APPLICANT.id, name: APPLICANT.name, unit: APPLICANT.unit },
      destination: { placeCode: '150102', name: '呼和浩特市新城区' },
      leavesCity: true,
      specialReason: '家人住院',
      departAt: '2020-10-02T00:00:00.000Z',
      returnAt: '2020-12-31T00:00:00.000Z',
      companions: [{ name: '赵六', relation: '配偶' }],
      epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false },
    },
    facts: { destinationRisk: { level: 'low', asOf: '2020-09-20T00:00:00.000Z' } },
  });
  events.push(decision.event);
  let state: CaseState = decision.state;
  const send = (type: string, data: unknown, actor: typeof CHIEF | typeof SYSTEM_ACTORS.register) => {
    decision = decide(leaveApprovalV1, state, { type, data, actor, eventId: uuid(++n), occurredAt: at() });
    events.push(decision.event);
    state = decision.state;
  };
  send('APPROVE', {}, CHIEF);
  send('FILE', {}, OFFICE);
  send('DEPART', { at: at() }, APPLICANT);
  while (events.length < size) {
    const level = events.length % 4 === 0 ? 'medium' : 'low';
    send('RISK_LEVEL_CHANGED', { placeCode: '150102', level, asOf: at() }, SYSTEM_ACTORS.register);
  }
  return events.map((event, i) => ({ ...JSON.parse(JSON.stringify(event)), revision: BigInt(i) }));
}

/** The events as the machine receives them (what `fold` builds from each stored event). */
function machineEvents(events: readonly StoredEventLike[]): MachineEvent[] {
  return events.slice(1).map((event) => ({
    type: event.type,
    data: event.data,
    occurredAt: event.metadata.occurredAt,
    actor: event.metadata.actor,
    eventId: event.id,
  }));
}

function machineInput(first: StoredEventLike) {
  return {
    caseId: first.metadata.caseId,
    data: first.data,
    occurredAt: first.metadata.occurredAt,
    actor: first.metadata.actor,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Best (fastest) of `rounds` timed runs, in ms. */
function best(rounds: number, run: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    run();
    fastest = Math.min(fastest, performance.now() - t);
  }
  return fastest;
}

export interface ReplayFigures {
  /** Events replayed per run. */
  events: number;
  /** `fold` (cold, no cache), events/s. */
  foldPerSec: number;
  /** A live XState actor's `send`, events/s (the baseline). */
  actorSendPerSec: number;
  /** XState's public pure `transition`, events/s (the naive replay). */
  pureTransitionPerSec: number;
  /** foldPerSec / actorSendPerSec (target ≥ 0.5). */
  ratio: number;
}

/** Replay throughput of `fold` against a live actor's `send`, same machine, same events, same run. */
export function measureReplay(options: { events?: number; rounds?: number } = {}): ReplayFigures {
  const size = options.events ?? 10_000;
  const rounds = options.rounds ?? 15;
  const events = buildLeaveCase(size);
  const input = machineInput(events[0]);
  const sends = machineEvents(events);
  const machine = leaveApprovalV1.machine;

  let check: unknown;
  const runFold = () => {
    check = fold(leaveApprovalV1, events).state;
  };
  const runActor = () => {
    const actor = createActor(machine, { input });
    actor.start();
    for (let i = 0; i < sends.length; i++) actor.send(sends[i]);
    check = actor.getSnapshot().value;
    actor.stop();
  };
  const runPure = () => {
    let [snapshot] = initialTransition(machine, input);
    for (let i = 0; i < sends.length; i++) [snapshot] = transition(machine, snapshot, sends[i]);
    check = snapshot.value;
  };
  // Warm all three, then interleave the timed rounds so drift hits each alike.
  for (let i = 0; i < 3; i++) {
    runFold();
    runActor();
    runPure();
  }
  let foldMs = Number.POSITIVE_INFINITY;
  let actorMs = Number.POSITIVE_INFINITY;
  let pureMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    foldMs = Math.min(foldMs, best(1, runFold));
    actorMs = Math.min(actorMs, best(1, runActor));
    if (i < 3) pureMs = Math.min(pureMs, best(1, runPure));
  }
  if (check !== 'away') throw new Error(`bench case ended in ${String(check)}`);
  const foldPerSec = (events.length / foldMs) * 1000;
  const actorSendPerSec = (events.length / actorMs) * 1000;
  return {
    events: events.length,
    foldPerSec,
    actorSendPerSec,
    pureTransitionPerSec: (events.length / pureMs) * 1000,
    ratio: foldPerSec / actorSendPerSec,
  };
}

export interface ColdLoadFigures {
  events: number;
  /** The very first fold in this process (JIT cold too), ms. */
  firstFoldMs: number;
  /** Median of later folds from nothing (no cache), ms (target < 100). */
  foldMedianMs: number;
  /** Median of JSON.parse of every row's data and metadata plus the fold, ms. */
  parseAndFoldMedianMs: number;
}

/**
 * Cold load of one large case: fold from the first event with no cached
 * state. Run it before other engine work in a process to get a JIT-cold
 * `firstFoldMs`.
 */
export function measureColdLoad(options: { events?: number; runs?: number } = {}): ColdLoadFigures {
  const size = options.events ?? 10_000;
  const runs = options.runs ?? 21;
  const events = buildLeaveCase(size);
  const rows = events.map((event) => ({
    id: event.id,
    type: event.type,
    revision: event.revision,
    data: JSON.stringify(event.data),
    metadata: JSON.stringify(event.metadata),
  }));
  let t = performance.now();
  let state = fold(leaveApprovalV1, events);
  const firstFoldMs = performance.now() - t;
  const foldTimes: number[] = [];
  const parseTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    state = fold(leaveApprovalV1, events);
    foldTimes.push(performance.now() - t);
    t = performance.now();
    const parsed = rows.map((row) => ({
      id: row.id,
      type: row.type,
      revision: row.revision,
      data: JSON.parse(row.data),
      metadata: JSON.parse(row.metadata),
    }));
    state = fold(leaveApprovalV1, parsed);
    parseTimes.push(performance.now() - t);
  }
  if (state.revision !== BigInt(size - 1)) throw new Error('bench case did not fold to its last revision');
  return { events: size, firstFoldMs, foldMedianMs: median(foldTimes), parseAndFoldMedianMs: median(parseTimes) };
}

/** Prints both figures; returns them for a caller that aggregates. */
export function runEngineReplayBench(): { replay: ReplayFigures; coldLoad: ColdLoadFigures } {
  const coldLoad = measureColdLoad();
  const replay = measureReplay();
  const k = (n: number) => `${Math.round(n / 1000)}k/s`;
  console.log('engine replay (leaveApproval, one case, same run)');
  console.log(
    `  fold ${k(replay.foldPerSec)} vs live actor send ${k(replay.actorSendPerSec)}: ${replay.ratio.toFixed(2)}x (target >= 0.5x); pure transition ${k(replay.pureTransitionPerSec)}`,
  );
  console.log(
    `  cold load of a ${coldLoad.events}-event case: ${coldLoad.foldMedianMs.toFixed(1)} ms median (first, JIT-cold: ${coldLoad.firstFoldMs.toFixed(1)} ms; with JSON.parse of the rows: ${coldLoad.parseAndFoldMedianMs.toFixed(1)} ms) (target < 100 ms)`,
  );
  return { replay, coldLoad };
}

if (require.main === module) runEngineReplayBench();
