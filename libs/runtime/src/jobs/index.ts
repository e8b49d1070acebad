/**
 * Effects and timers on BullMQ: the contract shared by the API and the worker
 * (queue names, job payloads, job ids, Redis keys), the connections and
 * queues (`JobsModule`), the effects read models, and the HTTP modules the API
 * mounts (`EffectsApiModule`, `OpsHealthModule`, `QueueDashboardModule`).
 */
export * from './derive-uuid';
export * from './effects-read-models';
export * from './engine-metrics';
export * from './engine-queues';
export * from './engine-status';
export * from './jobs.config';
export * from './jobs.contract';
export * from './jobs.module';
export * from './redis-connections';
export * from './redis-keys';
export * from './http/dashboard-auth.middleware';
export * from './http/effects.http.controller';
export * from './http/effects-api.module';
export * from './http/ops-health.module';
export * from './http/ops-health.service';
export * from './http/queue-dashboard.module';
