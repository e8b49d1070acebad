import { AuthModule, DirectoryService } from '@app/auth';
import {
  type Actor,
  type CaseState,
  EFFECT_SUCCEEDED,
  type EffectRecord,
  type EventMetadata,
  SYSTEM_ACTORS,
  type WorkflowRegistry,
} from '@app/engine';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import {
  CaseService,
  Clock,
  DomainExceptionFilter,
  EventStoreModule,
  loadRuntimeConfig,
  loadStoreConfig,
  RiskAreaRegister,
  RuntimeModule,
  WORKFLOW_REGISTRY,
} from '@app/runtime';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaseIndexQuery, CaseLinksQuery } from '../cases/case-index.query';
import { CaseSummaryReader } from '../cases/case-summary.reader';
import { InactionLedgerQuery } from '../inaction/inaction-ledger.query';
import { MovementRegisterQuery } from '../movements/movement-register.query';
import { createProjections } from '../projections';
import { loadProjectionsConfig } from '../projections.config';
import { ProjectionsModule } from '../projections.module';
import type { Projection } from '../runner/projection';
import { ProjectionDatabase } from '../runner/projection-database';
import { ProjectionRunner } from '../runner/projection-runner';
import { createTestRegistry } from './probe-workflows';

export const DEMO_ORGANISATION = 'config/organisation.demo.yaml';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A clock the test moves by hand; the runtime stamps commands with it. */
export class TestClock extends Clock {
  constructor(public ms: number) {
    super();
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  iso(offsetMs = 0): string {
    return new Date(this.ms + offsetMs).toISOString();
  }
}

/** One projections file with its runner and queries, opened outside Nest. */
export interface OpenedProjections {
  db: ProjectionDatabase;
  runner: ProjectionRunner;
  reader: CaseSummaryReader;
  index: CaseIndexQuery;
  links: CaseLinksQuery;
  movements: MovementRegisterQuery;
  inaction: InactionLedgerQuery;
  close(): Promise<void>;
}

/**
 * A real SQLite event store and the real case runtime in a Nest testing
 * module over temp files, with a hand-moved clock and the test registry
 * (leaveApproval + the probes); optionally the HTTP app with auth and the
 * projections module.
 */
export class ProjectionHarness {
  readonly cases: CaseService;
  readonly store: EventStore;
  readonly registry: WorkflowRegistry;
  readonly riskAreas: RiskAreaRegister;
  readonly directory = DirectoryService.fromFile(DEMO_ORGANISATION);
  private readonly opened: OpenedProjections[] = [];

  private constructor(
    readonly dir: string,
    readonly moduleRef: TestingModule,
    readonly clock: TestClock,
    readonly app: INestApplication | undefined,
  ) {
    this.cases = moduleRef.get(CaseService);
    this.store = moduleRef.get(EVENT_STORE);
    this.registry = moduleRef.get(WORKFLOW_REGISTRY);
    this.riskAreas = moduleRef.get(RiskAreaRegister);
  }

  /** `esdb`: an EventStoreDB connection string instead of the SQLite store. */
  static async start(options: { http?: boolean; esdb?: string } = {}): Promise<ProjectionHarness> {
    const dir = mkdtempSync(join(tmpdir(), 'pwe-projections-'));
    const clock = new TestClock(Date.parse('2031-03-02T00:00:00.000Z'));
    const storeEnv = options.esdb
      ? { EVENT_STORE: 'esdb', EVENTSTORE_CONNECTION_STRING: options.esdb }
      : { EVENT_STORE: 'sqlite', SQLITE_PATH: join(dir, 'events.db') };
    const imports = [
      EventStoreModule.forRoot(loadStoreConfig(storeEnv)),
      RuntimeModule.forRoot(loadRuntimeConfig({ DEADLINES_FILE: join(dir, 'no-deadlines.yaml') })),
    ];
    if (options.http) {
      imports.push(
        AuthModule.forRoot({
          organisationFile: DEMO_ORGANISATION,
          nodeEnv: 'test',
          jwt: { secret: 'projections-e2e-secret-that-is-long-enough-0123456789' },
          loginRateLimit: { perAddressLimit: 10_000 },
        }),
        ProjectionsModule.forRoot(
          loadProjectionsConfig({ PROJECTIONS_PATH: join(dir, 'projections.db'), PROJECTIONS_READ_WAIT_MS: '2000' }),
        ),
      );
    }
    const moduleRef = await Test.createTestingModule({ imports })
      .overrideProvider(WORKFLOW_REGISTRY)
      .useValue(createTestRegistry())
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    let app: INestApplication | undefined;
    if (options.http) {
      app = moduleRef.createNestApplication({ logger: false });
      // The API's pipe and filter (apps/api configure-app), so the answers are the ones users get.
      app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
      app.useGlobalFilters(new DomainExceptionFilter());
      await app.init();
    } else {
      await moduleRef.init();
    }
    return new ProjectionHarness(dir, moduleRef, clock, app);
  }

  /** Opens a projections file (default: `projections.db` in the temp dir) and its queries; does not start following. */
  open(path = join(this.dir, 'projections.db'), projections: Projection[] = createProjections()): OpenedProjections {
    const db = new ProjectionDatabase({ path });
    const runner = new ProjectionRunner(this.store, this.registry, db, projections, { batchSize: 7 });
    const reader = new CaseSummaryReader(db, this.directory);
    const opened: OpenedProjections = {
      db,
      runner,
      reader,
      index: new CaseIndexQuery(db, this.directory, reader),
      links: new CaseLinksQuery(reader, this.directory),
      movements: new MovementRegisterQuery(db, this.directory),
      inaction: new InactionLedgerQuery(db, this.directory),
      close: async () => {
        await runner.stop();
        db.close();
      },
    };
    this.opened.push(opened);
    return opened;
  }

  /**
   * Follows until the read models include everything appended so far; fails
   * if any event was recorded as not projectable (unless `allowErrors`).
   */
  async catchUp(projections: OpenedProjections, options: { allowErrors?: boolean } = {}): Promise<void> {
    const head = await this.store.headPosition();
    projections.runner.start();
    if (!(await projections.runner.waitForPosition(head, 10_000))) {
      throw new Error(`projections did not reach ${head}: ${JSON.stringify(projections.runner.status())}`);
    }
    const { errors } = projections.runner.status();
    if (errors.length > 0 && !options.allowErrors) {
      throw new Error(`events the projections could not apply: ${JSON.stringify(errors)}`);
    }
  }

  actor(personId: string): Actor {
    return this.directory.toActor(personId);
  }

  /** Opens a leave request for a demo person (departing in a day, back three days later unless told otherwise). */
  async leave(
    personId: string,
    overrides: Partial<{
      placeCode: string;
      placeName: string;
      departInMs: number;
      awayMs: number;
      companions: unknown[];
    }> = {},
  ): Promise<string> {
    const person = this.directory.byId(personId)!;
    const departAt = this.clock.iso(overrides.departInMs ?? DAY);
    const returnAt = new Date(Date.parse(departAt) + (overrides.awayMs ?? 3 * DAY)).toISOString();
    const { state } = await this.cases.start(
      'leaveApproval',
      {
        applicant: { id: person.id, name: person.name, unit: person.unit },
        destination: { placeCode: overrides.placeCode ?? '150602', name: overrides.placeName ?? '东胜区' },
        leavesCity: true,
        specialReason: '家中老人住院',
        departAt,
        returnAt,
        companions: overrides.companions ?? [{ name: '家属甲', relation: '配偶' }],
        epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false, notes: '无' },
      },
      this.actor(personId),
    );
    return state.streamId;
  }

  async send(caseId: string, type: string, data: unknown, personId: string): Promise<CaseState> {
    return (await this.cases.send(caseId, type, data, this.actor(personId))).state;
  }

  /** Fires the armed deadline of a state (the clock must be past it). */
  async missDeadline(caseId: string, state: string): Promise<void> {
    const current = await this.cases.get(caseId);
    const timer = Object.values(current.armedTimers).find((t) => t.kind === 'deadline' && t.state === state);
    if (!timer) throw new Error(`${caseId} has no armed deadline in ${state}`);
    const { event } = await this.cases.fireTimer(caseId, timer.id);
    if (!event) throw new Error(`the deadline of ${caseId} in ${state} recorded nothing`);
  }

  /**
   * Does what the effect worker does for the `startCase` effects of a case's
   * last event (apps/worker `StartCaseEffect`): opens each child as
   * `system:effects`, caused by the parent's event and in its correlation,
   * and optionally reports the outcome with the child's id. `causation: false` leaves the child's
   * CASE_STARTED without a cause, to prove the other ways of finding its parent.
   */
  async runStartCases(parentId: string, options: { causation?: boolean; report?: boolean } = {}): Promise<string[]> {
    const history = await this.cases.history(parentId);
    const last = history[history.length - 1];
    const metadata = last.metadata as unknown as EventMetadata;
    const children: string[] = [];
    for (const effect of metadata.effects as EffectRecord[]) {
      if (effect.kind !== 'startCase') continue;
      const params = effect.params as { process: string; input: Record<string, unknown> };
      const { state } = await this.cases.start(params.process, params.input, SYSTEM_ACTORS.effects, {
        caseId: randomUUID(),
        causationId: options.causation === false ? null : last.id,
        correlationId: metadata.correlationId,
      });
      children.push(state.streamId);
      if (options.report) {
        await this.cases.recordEffectOutcome(parentId, {
          type: EFFECT_SUCCEEDED,
          data: { effectId: effect.id, attempt: 1, result: { caseId: state.streamId } },
        });
      }
    }
    return children;
  }

  async close(): Promise<void> {
    for (const opened of this.opened) if (opened.db.isOpen) await opened.close();
    if (this.app) await this.app.close();
    else await this.moduleRef.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
