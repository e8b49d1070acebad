/**
 * Layer rules (STYLE.md): the workflows and the pure engine import no framework,
 * no queue, no store client. Domain code stays testable without I/O.
 */
const infrastructure =
  '(^|/)node_modules/(@nestjs/|bullmq/|ioredis/|better-sqlite3/|@eventstore/db-client/|express/|@grpc/)';
module.exports = {
  forbidden: [
    {
      name: 'pure-domain-imports-no-framework',
      comment: 'workflows/ and libs/engine must stay pure: adapters live in libs/runtime, libs/event-store, apps/.',
      severity: 'error',
      from: { path: '^(workflows|libs/engine)/' },
      to: { path: infrastructure },
    },
    {
      name: 'pure-domain-imports-no-adapters',
      comment: 'workflows/ and libs/engine may not reach into adapter libs or apps.',
      severity: 'error',
      from: { path: '^(workflows|libs/engine)/' },
      to: { path: '^(apps|libs/runtime|libs/event-store/src/(sqlite|esdb)|libs/auth|libs/projections)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    moduleSystems: ['cjs', 'es6', 'tsd'],
    exclude: { path: '^(dist|data)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
