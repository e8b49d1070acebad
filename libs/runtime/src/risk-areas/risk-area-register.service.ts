import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore, type RecordedEvent, StreamNotFound } from '@app/event-store';
import type { Actor } from '@app/engine';
import {
  RISK_AREA_CATEGORY,
  RISK_LEVEL_SET,
  RiskAreaEntry,
  RiskLevel,
  RiskLevelSet,
  levelAt,
  riskAreaStream,
} from './risk-area';

/**
 * The risk-area register (风险地区登记), event-sourced in its own stream
 * category. Leave approval reads it at start; changes are propagated to open
 * trips by the risk-change reactor.
 */
@Injectable()
export class RiskAreaRegister {
  /** The events of recently read places, by stream (a place's history only grows). */
  private readonly known = new LRUCache<string, RecordedEvent[]>({ max: 10_000 });

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async set(entry: RiskLevelSet, actor: Actor, occurredAt: string): Promise<RiskAreaEntry> {
    await this.store.appendToStream(riskAreaStream(entry.placeCode), [
      {
        id: randomUUID(),
        type: RISK_LEVEL_SET,
        data: { ...entry },
        metadata: { actor: { id: actor.id, name: actor.name, roles: actor.roles, unit: actor.unit }, occurredAt },
      },
    ]);
    return (await this.get(entry.placeCode))!;
  }

  async get(placeCode: string): Promise<RiskAreaEntry | undefined> {
    const stream = riskAreaStream(placeCode);
    const known = this.known.get(stream);
    const events = known ? [...known] : [];
    try {
      // Only what was appended since the last lookup (by this or another process): every leave request reads this.
      const from = known ? known[known.length - 1].revision + 1n : 'start';
      for await (const e of this.store.readStream(stream, { fromRevision: from })) events.push(e);
    } catch (error) {
      if (error instanceof StreamNotFound) return undefined;
      throw error;
    }
    if (events.length === 0) return undefined;
    this.known.set(stream, events);
    return toEntry(events);
  }

  async list(): Promise<RiskAreaEntry[]> {
    const byStream = new Map<string, RecordedEvent[]>();
    for await (const e of this.store.readAll({ filter: { streamCategories: [RISK_AREA_CATEGORY] } })) {
      if (e.type !== RISK_LEVEL_SET) continue;
      const list = byStream.get(e.streamId) ?? [];
      list.push(e);
      byStream.set(e.streamId, list);
    }
    return [...byStream.values()].map(toEntry).sort((a, b) => a.placeCode.localeCompare(b.placeCode));
  }

  /** The level of a place at a moment, as leave approval records it in the case's first event. */
  async levelAt(placeCode: string, at: string): Promise<{ level: RiskLevel | 'unknown'; asOf: string }> {
    const entry = await this.get(placeCode);
    const entries: RiskLevelSet[] = entry ? [...entry.history.map((h) => ({ ...entry, ...h })), entry] : [];
    return { level: levelAt(entries, at), asOf: at };
  }
}

function toEntry(events: RecordedEvent[]): RiskAreaEntry {
  const sets = events.filter((e) => e.type === RISK_LEVEL_SET);
  const last = sets[sets.length - 1];
  const data = last.data as RiskLevelSet;
  const meta = last.metadata as { occurredAt: string; actor: { id: string } };
  return {
    placeCode: data.placeCode,
    name: data.name,
    level: data.level,
    effectiveFrom: data.effectiveFrom,
    revision: Number(last.revision),
    recordedAt: meta.occurredAt,
    recordedBy: meta.actor.id,
    history: sets.slice(0, -1).map((e) => {
      const d = e.data as RiskLevelSet;
      return {
        level: d.level,
        effectiveFrom: d.effectiveFrom,
        recordedAt: (e.metadata as { occurredAt: string }).occurredAt,
      };
    }),
  };
}
