/**
 * The read models: a SQLite database of projections of the global log (case
 * index and links, the register of movements, the inaction ledger), the
 * runner that keeps it, and their HTTP endpoints.
 */
export * from './cases/case-facts';
export * from './cases/case-index.http.controller';
export * from './cases/case-index.projection';
export * from './cases/case-index.query';
export * from './cases/case-read-scope';
export * from './cases/case-summary.reader';
export * from './cases/party-names';
export * from './http/read-position';
export * from './inaction/inaction.http.controller';
export * from './inaction/inaction-ledger.projection';
export * from './inaction/inaction-ledger.query';
export * from './movements/movement-register.projection';
export * from './movements/movement-register.query';
export * from './movements/movements.http.controller';
export * from './projections';
export * from './projections.config';
export * from './projections.module';
export * from './projections.tokens';
export * from './runner/case-folder';
export * from './runner/projection';
export * from './runner/projection-database';
export * from './runner/projection-runner';
