import type { Policy } from '@app/engine';

/**
 * 发热处置 permissions per event (DOMAIN.md process 3). The prevention group
 * (应对防控组) handles fever cases. Cases are opened by the effect worker
 * (from a screening or a duty-line report), or by hand after a spot check
 * (抽查) by the prevention group, an inspector, a unit head or the office.
 */
export const feverEscalationPolicy: Policy = {
  START: [
    { system: 'effects' },
    { group: 'prevention' },
    { role: 'inspector' },
    { role: 'unitHead' },
    { role: 'office' },
  ],
  TRANSFER_TO_CLINIC: [{ group: 'prevention' }],
  RECORD_CONSULTATION: [{ group: 'prevention' }],
};
