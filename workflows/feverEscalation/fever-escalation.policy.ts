import type { Policy, PolicyRule } from '@app/engine';

/**
 * Who opens a fever case: the effect worker (from a screening or a duty-line
 * report), or by hand after a spot check (抽查) the prevention group, an
 * inspector, a unit head or the office.
 */
export const feverEscalationStartPolicy: PolicyRule[] = [
  { system: 'effects' },
  { group: 'prevention' },
  { role: 'inspector' },
  { role: 'unitHead' },
  { role: 'office' },
];

/**
 * 发热处置 permissions per event (DOMAIN.md process 3): the prevention group
 * (应对防控组) handles fever cases.
 */
export const feverEscalationPolicy: Policy = {
  TRANSFER_TO_CLINIC: [{ group: 'prevention' }],
  RECORD_CONSULTATION: [{ group: 'prevention' }],
};
