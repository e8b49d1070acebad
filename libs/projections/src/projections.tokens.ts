/** DI token of the validated `ProjectionsConfig`. */
export const PROJECTIONS_CONFIG = Symbol('PROJECTIONS_CONFIG');
