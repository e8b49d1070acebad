import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config/validate-config';
import { loadDeadlineOverrides } from './deadlines-file';

describe('loadDeadlineOverrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pwe-deadlines-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a path that names no file, naming the setting', () => {
    expect(() => loadDeadlineOverrides(join(dir, 'typo.yaml'))).toThrow(ConfigError);
    expect(() => loadDeadlineOverrides(join(dir, 'typo.yaml'))).toThrow(/DEADLINES_FILE=.*typo\.yaml.*no such file/);
  });

  it('refuses YAML that does not parse, and a file that is not a mapping', () => {
    writeFileSync(join(dir, 'broken.yaml'), 'leaveApproval: [unclosed');
    expect(() => loadDeadlineOverrides(join(dir, 'broken.yaml'))).toThrow(ConfigError);
    writeFileSync(join(dir, 'list.yaml'), '- PT8H\n');
    expect(() => loadDeadlineOverrides(join(dir, 'list.yaml'))).toThrow(/mapping/);
  });

  it('reads process → state → deadline', () => {
    writeFileSync(join(dir, 'ok.yaml'), 'leaveApproval:\n  awaitingChiefApproval: PT3S\n');
    expect(loadDeadlineOverrides(join(dir, 'ok.yaml'))).toEqual({ leaveApproval: { awaitingChiefApproval: 'PT3S' } });
  });
});
