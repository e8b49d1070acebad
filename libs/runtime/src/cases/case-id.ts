import { EngineError } from '@app/engine';

/**
 * A case's public id is its stream name, `<process>-<uuid>`: the process is
 * readable in every URL and log line, and the store needs no lookup table.
 */
const CASE_ID = /^([a-z][A-Za-z0-9]*)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export interface ParsedCaseId {
  process: string;
  uuid: string;
  streamId: string;
}

export function caseStreamId(process: string, uuid: string): string {
  return `${process}-${uuid}`;
}

/** @throws EngineError `CASE.NOT_FOUND` for an id that cannot name a case. */
export function parseCaseId(id: string): ParsedCaseId {
  const match = CASE_ID.exec(id);
  if (!match) throw new EngineError('CASE.NOT_FOUND', `No case ${JSON.stringify(id)}: a case id is <process>-<uuid>`);
  return { process: match[1], uuid: match[2], streamId: id };
}
