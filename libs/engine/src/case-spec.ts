import type { Actor } from './actor';
import { canonicalJson } from './canonical-json';
import type { CaseEvent } from './case-event';
import type { ArmedTimer, CaseState } from './case-state';
import { decide, start } from './decide';
import { type EffectOutcomeCommand, recordEffectOutcome } from './effect-outcomes';
import { EngineError, type EngineErrorCode } from './engine-error';
import type { Decision } from './event-builder';
import { fold } from './fold';
import { verifyChain } from './hash-chain';
import { parseInstant, toIso } from './time';
import { fireTimer } from './timer-firing';
import { verifyReplay } from './verify-replay';
import type { WorkflowDefinition } from './workflow-definition';

/**
 * Given/when/then for workflow definitions, after Emmett's
 * `DeciderSpecification`: given these commands (each decided in turn),
 * when this one, then these events and this state, or this error.
 *
 * Every `then` also checks the engine's own promises on the whole history:
 * the hash chain verifies, a replay re-derives every event, and a cold fold
 * gives the same state as the decisions did. No I/O, no clock: ids are
 * counters and time advances one minute per step unless a step says `at`.
 *
 * ```ts
 * CaseSpec.for(def, { now: '2020-10-01T08:00:00Z' })
 *   .given(started(input, staff, { facts }), sent('APPROVE', {}, chief))
 *   .when(sent('FILE', {}, office))
 *   .thenExpect(({ state }) => expect(state.state).toBe('cleared'));
 * ```
 */
export class CaseSpec {
  private constructor(
    private readonly def: WorkflowDefinition,
    private readonly options: Required<CaseSpecOptions>,
  ) {}

  static for(def: WorkflowDefinition, options: CaseSpecOptions = {}): CaseSpec {
    return new CaseSpec(def, { caseId: 'case1', now: '2020-10-01T00:00:00.000Z', ...options });
  }

  /** The history, as commands. Fails at once if one of them is refused. */
  given(...steps: SpecStep[]): SpecWhen {
    return new SpecWhen(this.def, this.options, steps);
  }
}

export interface CaseSpecOptions {
  caseId?: string;
  /** When the first step happens (ISO). */
  now?: string;
}

/** What a step sees and produces. */
interface StepContext {
  def: WorkflowDefinition;
  caseId: string;
  state: CaseState | undefined;
  eventId: string;
  /** The step's time unless it names its own. */
  occurredAt: string;
}

/** One command in a spec; build it with {@link started}, {@link sent}, {@link timerFired}, {@link effectReported}. */
export interface SpecStep {
  describe: string;
  run(ctx: StepContext): Decision | null;
}

/** Opens the case. */
export function started(
  input: unknown,
  actor: Actor,
  options: { facts?: Record<string, unknown>; at?: string } = {},
): SpecStep {
  return {
    describe: 'start',
    run: (ctx) =>
      start(ctx.def, {
        caseId: ctx.caseId,
        input,
        facts: options.facts,
        actor,
        eventId: ctx.eventId,
        occurredAt: options.at ?? ctx.occurredAt,
      }),
  };
}

/** A user or system sends an event. */
export function sent(type: string, data: unknown, actor: Actor, options: { at?: string } = {}): SpecStep {
  return {
    describe: type,
    run: (ctx) =>
      decide(ctx.def, requireState(ctx), {
        type,
        data,
        actor,
        eventId: ctx.eventId,
        occurredAt: options.at ?? ctx.occurredAt,
      }),
  };
}

/**
 * An armed timer fires: the one `select` picks (a timer id, or a filter on
 * kind/state). It fires at its due time unless `at` is given.
 */
export function timerFired(
  select: string | { kind?: ArmedTimer['kind']; state?: string },
  options: { at?: string } = {},
): SpecStep {
  return {
    describe: `timer ${JSON.stringify(select)}`,
    run: (ctx) => {
      const state = requireState(ctx);
      const timer =
        typeof select === 'string'
          ? state.armedTimers[select]
          : Object.values(state.armedTimers).find(
              (t) => (!select.kind || t.kind === select.kind) && (!select.state || t.state === select.state),
            );
      const timerId = typeof select === 'string' ? select : timer?.id;
      if (!timerId) throw new Error(`No armed timer matches ${JSON.stringify(select)}`);
      return fireTimer(ctx.def, state, timerId, {
        eventId: ctx.eventId,
        occurredAt: options.at ?? timer?.dueAt ?? ctx.occurredAt,
      });
    },
  };
}

/** A worker reports an effect's outcome; `data` may be computed from the case (to find an effect id). */
export function effectReported(
  type: EffectOutcomeCommand['type'],
  data: EffectOutcomeCommand['data'] | ((state: CaseState) => EffectOutcomeCommand['data']),
  options: { at?: string } = {},
): SpecStep {
  return {
    describe: type,
    run: (ctx) => {
      const state = requireState(ctx);
      return recordEffectOutcome(ctx.def, state, {
        type,
        data: typeof data === 'function' ? data(state) : data,
        eventId: ctx.eventId,
        occurredAt: options.at ?? ctx.occurredAt,
      } as EffectOutcomeCommand);
    },
  };
}

function requireState(ctx: StepContext): CaseState {
  if (!ctx.state) throw new Error('The case has not been started in this spec');
  return ctx.state;
}

/** The outcome of `when`. */
export interface SpecOutcome {
  /** What `when` produced (empty when it recorded nothing). */
  events: CaseEvent[];
  /** The event `when` produced, if any. */
  event: CaseEvent | undefined;
  /** The case after `when`. */
  state: CaseState;
  /** Every event, given and when. */
  history: CaseEvent[];
}

export class SpecWhen {
  constructor(
    private readonly def: WorkflowDefinition,
    private readonly options: Required<CaseSpecOptions>,
    private readonly steps: SpecStep[],
  ) {}

  when(step: SpecStep): SpecThen {
    return new SpecThen(this.def, () => this.play(step));
  }

  private play(when: SpecStep): { given: Played; outcome: () => Decision | null } {
    const played: Played = { state: undefined, history: [], counter: 0, clock: parseInstant(this.options.now)! };
    for (const step of this.steps) {
      let decision: Decision | null;
      try {
        decision = this.runStep(played, step);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`given step "${step.describe}" failed: ${reason}`);
      }
      if (decision) this.accept(played, decision);
    }
    return { given: played, outcome: () => this.runStep(played, when) };
  }

  private runStep(played: Played, step: SpecStep): Decision | null {
    played.counter += 1;
    const at = toIso(played.clock + 60_000 * (played.counter - 1));
    return step.run({
      def: this.def,
      caseId: this.options.caseId,
      state: played.state,
      eventId: `00000000-0000-4000-8000-${played.counter.toString(16).padStart(12, '0')}`,
      occurredAt: at,
    });
  }

  private accept(played: Played, decision: Decision): void {
    // Through JSON, as the store would give it back.
    played.history.push(JSON.parse(JSON.stringify(decision.event)));
    played.state = decision.state;
  }
}

interface Played {
  state: CaseState | undefined;
  history: CaseEvent[];
  counter: number;
  clock: number;
}

export class SpecThen {
  constructor(
    private readonly def: WorkflowDefinition,
    private readonly play: () => { given: Played; outcome: () => Decision | null },
  ) {}

  /** `when` succeeds; `assert` checks its outcome (use your test framework's `expect`). */
  thenExpect(assert: (outcome: SpecOutcome) => void = () => {}): void {
    const { given, outcome } = this.play();
    const decision = outcome();
    const events: CaseEvent[] = [];
    if (decision) {
      events.push(JSON.parse(JSON.stringify(decision.event)));
      given.history.push(events[0]);
      given.state = decision.state;
    }
    if (!given.state) throw new Error('Nothing was started');
    checkEngineInvariants(this.def, given.history, given.state);
    assert({ events, event: events[0], state: given.state, history: given.history });
  }

  /** `when` records nothing (a cancelled timer, a duplicate effect report). */
  thenNothing(): void {
    const { outcome } = this.play();
    const decision = outcome();
    if (decision) throw new Error(`Expected nothing to be recorded, got ${decision.event.type}`);
  }

  /** `when` is refused with this code; `assert` may inspect the error. */
  thenError(code: EngineErrorCode, assert: (error: EngineError) => void = () => {}): void {
    const { outcome } = this.play();
    let decision: Decision | null;
    try {
      decision = outcome();
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      if (error.code !== code) {
        throw new Error(`Expected ${code}, got ${error.code}: ${error.message} ${JSON.stringify(error.details)}`);
      }
      assert(error);
      return;
    }
    throw new Error(`Expected ${code}, but ${decision ? decision.event.type : 'nothing'} was recorded`);
  }
}

function checkEngineInvariants(def: WorkflowDefinition, history: CaseEvent[], decided: CaseState): void {
  const { process } = def;
  const chain = verifyChain(history);
  if (!chain.ok) throw new Error(`${process}: the hash chain does not verify: ${chain.message}`);
  const replay = verifyReplay(def, history);
  if (!replay.ok)
    throw new Error(`${process}: replay does not re-derive revision ${replay.brokenAt}: ${replay.reason}`);
  const folded = fold(def, history);
  const same =
    canonicalJson(folded.state) === canonicalJson(decided.state) &&
    canonicalJson(folded.context) === canonicalJson(decided.context) &&
    folded.status === decided.status &&
    folded.revision === decided.revision &&
    canonicalJson(folded.armedTimers) === canonicalJson(decided.armedTimers) &&
    canonicalJson(folded.pendingEffects) === canonicalJson(decided.pendingEffects);
  if (!same) throw new Error(`${process}: a cold fold of the history differs from the decided state`);
}
