import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Metrics the worker observes as it goes (counters, durations). Gauges that
 * are read on scrape (lag, queue counts, incidents) are in `OpsMetrics`.
 */
export class EngineMetrics {
  readonly effectOutcomes: Counter<'kind' | 'outcome'>;
  readonly jobDuration: Histogram<'queue' | 'outcome'>;
  readonly dispatchLag: Histogram<never>;
  readonly timerFirings: Counter<'outcome'>;
  readonly dispatchedEvents: Counter<never>;
  readonly enqueuedJobs: Counter<'queue'>;
  readonly reconciled: Counter<'what'>;

  constructor(readonly registry: Registry) {
    this.effectOutcomes = new Counter({
      name: 'workflow_effect_attempts_total',
      help: 'Effect attempts by kind and outcome (succeeded, failed, incident)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
    this.jobDuration = new Histogram({
      name: 'workflow_job_duration_seconds',
      help: 'Time a job spent in its processor, outcome recording included',
      labelNames: ['queue', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.dispatchLag = new Histogram({
      name: 'workflow_dispatch_lag_seconds',
      help: 'From the event being committed to its effect job starting',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
      registers: [registry],
    });
    this.timerFirings = new Counter({
      name: 'workflow_timer_firings_total',
      help: 'Timer jobs by outcome (fired, ignored, redelayed, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.dispatchedEvents = new Counter({
      name: 'workflow_dispatched_events_total',
      help: 'Events of the global log the dispatcher has handled',
      registers: [registry],
    });
    this.enqueuedJobs = new Counter({
      name: 'workflow_enqueued_jobs_total',
      help: 'Jobs the dispatcher and the reconciler handed to BullMQ (duplicates by job id included)',
      labelNames: ['queue'],
      registers: [registry],
    });
    this.reconciled = new Counter({
      name: 'workflow_reconciled_total',
      help: 'Work the reconciler found in the store with no live job and enqueued again',
      labelNames: ['what'],
      registers: [registry],
    });
  }
}
