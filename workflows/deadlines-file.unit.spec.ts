import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { machineInfo } from '@app/engine';
import { ALL_WORKFLOW_DEFINITIONS, createWorkflowRegistry } from './registry';

/**
 * The shipped deployment file states the machines' own defaults: a wrong
 * context path there (e.g. `departAt` for `request.departAt`) would only
 * show when a case entered that state in production.
 */
describe('config/deadlines.yaml', () => {
  const file = parse(readFileSync(join(__dirname, '..', 'config', 'deadlines.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;

  it('is accepted by the registry', () => {
    expect(() => createWorkflowRegistry(file as never)).not.toThrow();
  });

  it.each(ALL_WORKFLOW_DEFINITIONS.map((def) => [def.process, def] as const))(
    '%s: every deadline equals the machine default',
    (process, def) => {
      const defaults = Object.fromEntries(
        machineInfo(def)
          .deadlineStates.filter((s) => s.deadline !== undefined)
          .map((s) => [s.key, s.deadline]),
      );
      expect(file[process]).toEqual(defaults);
    },
  );
});
