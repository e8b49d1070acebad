/** Risk levels of the register kept by the coordination group (风险地区登记). */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** The register's stream category: one stream per place, `riskArea-<placeCode>`. */
export const RISK_AREA_CATEGORY = 'riskArea';
export const RISK_LEVEL_SET = 'RISK_LEVEL_SET';

/** A place code: an administrative-division code or any short id the coordination group uses. */
export const PLACE_CODE = /^[A-Za-z0-9_.]{1,64}$/;

export interface RiskLevelSet {
  placeCode: string;
  name: string;
  level: RiskLevel;
  /** ISO instant from which the level holds. */
  effectiveFrom: string;
}

/** A place's current entry, as the register answers it. */
export interface RiskAreaEntry extends RiskLevelSet {
  revision: number;
  recordedAt: string;
  recordedBy: string;
  /** Earlier levels, oldest first, so a reader sees how the place's risk moved. */
  history: { level: RiskLevel; effectiveFrom: string; recordedAt: string }[];
}

export function riskAreaStream(placeCode: string): string {
  return `${RISK_AREA_CATEGORY}-${placeCode}`;
}

/**
 * The level in force at `at`: the latest-effective entry whose effectiveFrom is
 * not after `at`. A place nobody registered is `unknown` (not refused).
 */
export function levelAt(entries: RiskLevelSet[], at: string): RiskLevel | 'unknown' {
  const t = Date.parse(at);
  let best: RiskLevelSet | undefined;
  for (const e of entries) {
    if (Date.parse(e.effectiveFrom) > t) continue;
    if (!best || Date.parse(e.effectiveFrom) >= Date.parse(best.effectiveFrom)) best = e;
  }
  return best?.level ?? 'unknown';
}
