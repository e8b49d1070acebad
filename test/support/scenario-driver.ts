import { waitFor } from '../../apps/worker/src/testing/harness';
import type { TestApp } from './test-app';

/**
 * Drives cases over HTTP for the end-to-end scenarios (issue 6, section 3):
 * people act through their own demo accounts; reads that check the record
 * (history, verify, links, state at a revision) go through the auditor, who
 * may read every case.
 */

export type Payload = Record<string, unknown>;

/** `GET /cases/:id` (and every command's answer). */
export interface CaseViewBody {
  id: string;
  process: string;
  state: unknown;
  states: string[];
  status: string;
  revision: number;
  context: any;
  nextEvents: string[];
  deadlines: Array<{ timerId: string; state: string; dueAt: string; responsible: unknown }>;
  overdue: any[];
  pendingEffects: any[];
  incidents: any[];
  links?: { parent: string | null; children: string[] };
  /** On a command's answer: the global position of the event appended. */
  position?: string | number;
}

/** One line of `GET /cases/:id/history`. */
export interface HistoryEvent {
  revision: number;
  position: string;
  id: string;
  type: string;
  data: any;
  actor: { id: string; kind?: string; name?: string; roles?: string[] };
  effects: Array<{ id: string; kind: string; params: any }>;
  correlationId?: string;
  causationId?: string;
}

/** A node of `GET /cases/:id/links`. */
export interface LinkNode {
  id: string | null;
  readable: boolean;
  process: string;
  states?: string[];
  status?: string;
  current?: boolean;
  children: LinkNode[];
}

/** An inbox item (`GET /inbox`). */
export interface InboxItem {
  id: string;
  caseId: string;
  process: string;
  template: string;
  data: any;
  recipients: string[];
}

/** Who reads the record in the checks: may read every case, may act on none. */
const READER = 'auditor';
/** Linked cases are opened by the worker; this is the longest a scenario waits for one. */
export const LINK_TIMEOUT_MS = 20_000;

export class ScenarioDriver {
  constructor(readonly t: TestApp) {}

  async headers(username: string): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.t.token(username)}` };
  }

  /** `POST /cases` as `username`; fails with the server's answer unless 201. */
  async start(username: string, process: string, input: Payload): Promise<CaseViewBody> {
    const res = await this.t
      .http()
      .post('/cases')
      .set(await this.headers(username))
      .send({ process, input });
    if (res.status !== 201) {
      throw new Error(`${username} could not open ${process}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as CaseViewBody;
  }

  /** `POST /cases/:id/events` as `username`; fails with the server's answer unless 200. */
  async send(id: string, username: string, type: string, data: Payload = {}): Promise<CaseViewBody> {
    const res = await this.t
      .http()
      .post(`/cases/${id}/events`)
      .set(await this.headers(username))
      .send({ type, data });
    if (res.status !== 200) {
      throw new Error(`${username} could not send ${type} to ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as CaseViewBody;
  }

  async view(id: string, username = READER): Promise<CaseViewBody> {
    const res = await this.t
      .http()
      .get(`/cases/${id}`)
      .set(await this.headers(username));
    if (res.status !== 200) throw new Error(`GET /cases/${id} as ${username}: ${res.status} ${res.text}`);
    return res.body as CaseViewBody;
  }

  async history(id: string): Promise<HistoryEvent[]> {
    const res = await this.t
      .http()
      .get(`/cases/${id}/history`)
      .set(await this.headers(READER));
    if (res.status !== 200) throw new Error(`GET /cases/${id}/history: ${res.status} ${res.text}`);
    return res.body.events as HistoryEvent[];
  }

  /** The event types of a case's history, the effect outcomes (recorded by the worker) left out. */
  async commandTypes(id: string): Promise<string[]> {
    return (await this.history(id))
      .map((event) => event.type)
      .filter((type) => type !== 'EFFECT_SUCCEEDED' && type !== 'EFFECT_FAILED');
  }

  /** Polls the history until an event matches (a timer's or the worker's event). */
  async waitForEvent(
    id: string,
    what: string,
    match: (event: HistoryEvent) => boolean,
    timeoutMs = LINK_TIMEOUT_MS,
  ): Promise<HistoryEvent> {
    return waitFor(`${what} on ${id}`, async () => (await this.history(id)).find(match), timeoutMs, 100);
  }

  /** `GET /cases/:id/links` as `username` (`minPosition`: read your own writes). */
  async links(
    id: string,
    username = READER,
    minPosition?: string | number,
  ): Promise<{ caseId: string; root: LinkNode }> {
    const query = minPosition === undefined ? '' : `?minPosition=${minPosition}`;
    const res = await this.t
      .http()
      .get(`/cases/${id}/links${query}`)
      .set(await this.headers(username));
    if (res.status !== 200) throw new Error(`GET /cases/${id}/links as ${username}: ${res.status} ${res.text}`);
    return res.body;
  }

  /**
   * Waits until the worker has opened the `process` case that `parentId`
   * asked for (the startCase effect), and the links show it. Returns its id,
   * checked against the effect's recorded outcome (`result.caseId`).
   */
  async waitForChild(parentId: string, process: string, timeoutMs = LINK_TIMEOUT_MS): Promise<string> {
    const childId = await waitFor(
      `a ${process} case opened from ${parentId}`,
      async () => {
        const tree = await this.links(parentId);
        const node = findNode(tree.root, parentId);
        return node?.children.find((child) => child.process === process)?.id ?? undefined;
      },
      timeoutMs,
      100,
    );
    const history = await this.history(parentId);
    const asked = history.flatMap((event) => event.effects ?? []).filter((effect) => effect.kind === 'startCase');
    const outcome = history.find(
      (event) => event.type === 'EFFECT_SUCCEEDED' && asked.some((effect) => effect.id === event.data.effectId),
    );
    if (outcome?.data.result?.caseId !== childId) {
      throw new Error(
        `links show ${childId} under ${parentId}, the startCase outcome says ${JSON.stringify(outcome?.data)}`,
      );
    }
    return childId;
  }

  /** Waits until the worker has carried out every effect the case asked for (none pending). */
  async settled(id: string, timeoutMs = LINK_TIMEOUT_MS): Promise<CaseViewBody> {
    return waitFor(
      `${id} to have no pending effects`,
      async () => {
        const view = await this.view(id);
        return view.pendingEffects.length === 0 ? view : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** `GET /inbox` of `username`. */
  async inbox(username: string): Promise<InboxItem[]> {
    const res = await this.t
      .http()
      .get('/inbox?limit=200')
      .set(await this.headers(username));
    if (res.status !== 200) throw new Error(`GET /inbox as ${username}: ${res.status} ${res.text}`);
    return res.body.items as InboxItem[];
  }

  async waitForInbox(username: string, what: string, match: (item: InboxItem) => boolean): Promise<InboxItem> {
    return waitFor(
      `${what} in ${username}'s inbox`,
      async () => (await this.inbox(username)).find(match),
      LINK_TIMEOUT_MS,
      100,
    );
  }

  /** `GET /accountability/inaction` read by `username` (leadership or auditors), up to `minPosition`. */
  async inaction(username: string, query: Record<string, string> = {}): Promise<any> {
    const res = await this.t
      .http()
      .get('/accountability/inaction')
      .query({ pageSize: '1000', ...query })
      .set(await this.headers(username));
    if (res.status !== 200) throw new Error(`GET /accountability/inaction as ${username}: ${res.status} ${res.text}`);
    return res.body;
  }

  /**
   * The end of every scenario, per case: nothing left pending, the history
   * verifies (hash chain and replay), and the case rebuilt at its last
   * revision is the case now (state and context).
   */
  async expectIntact(id: string): Promise<CaseViewBody> {
    const now = await this.settled(id);
    const reader = await this.headers(READER);
    const verify = await this.t.http().get(`/cases/${id}/verify`).set(reader);
    expect(verify.status).toBe(200);
    const history = await this.history(id);
    expect({ id, ok: verify.body.ok, chain: verify.body.chain.ok, replay: verify.body.replay.ok }).toEqual({
      id,
      ok: true,
      chain: true,
      replay: true,
    });
    expect(verify.body.events).toBe(history.length);
    const last = history[history.length - 1].revision;
    expect(last).toBe(now.revision);
    const replayed = await this.t.http().get(`/cases/${id}/state?revision=${last}`).set(reader);
    expect(replayed.status).toBe(200);
    expect(replayed.body.revision).toBe(now.revision);
    expect(replayed.body.state).toEqual(now.state);
    expect(replayed.body.states).toEqual(now.states);
    expect(replayed.body.status).toBe(now.status);
    expect(replayed.body.context).toEqual(now.context);
    return now;
  }

  /**
   * The links of a case, both ways, as `username` reads them: the view's
   * `links` (parent and children) and its node in `GET /cases/:id/links`
   * (the tree from the root).
   */
  async expectLinks(
    id: string,
    expected: { parent: string | null; children: string[] },
    username = READER,
  ): Promise<void> {
    const view = await waitFor(
      `${id}'s view to show its links to ${username}`,
      async () => {
        const v = await this.view(id, username);
        const links = v.links ?? { parent: null, children: [] };
        return links.parent === expected.parent && sameSet(links.children, expected.children) ? v : undefined;
      },
      LINK_TIMEOUT_MS,
      100,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: view shows ${JSON.stringify((await this.view(id, username)).links)}`);
    });
    expect(view.links).toEqual({ parent: expected.parent, children: expect.any(Array) });
    expect([...view.links!.children].sort()).toEqual([...expected.children].sort());
    const tree = await this.links(id, username);
    expect(tree.caseId).toBe(id);
    const node = findNode(tree.root, id);
    expect(node).toMatchObject({ id, readable: true, current: true });
    expect(
      node!.children
        .map((child) => child.id)
        .filter(Boolean)
        .sort(),
    ).toEqual([...expected.children].sort());
    if (expected.parent === null) {
      expect(tree.root.id).toBe(id);
    } else {
      const parent = findParent(tree.root, id);
      expect(parent?.id).toBe(expected.parent);
    }
  }
}

/** The node of `id` in a links tree. */
export function findNode(root: LinkNode, id: string): LinkNode | undefined {
  if (root.id === id) return root;
  for (const child of root.children) {
    const found = findNode(child, id);
    if (found) return found;
  }
  return undefined;
}

function findParent(root: LinkNode, id: string): LinkNode | undefined {
  for (const child of root.children) {
    if (child.id === id) return root;
    const found = findParent(child, id);
    if (found) return found;
  }
  return undefined;
}

/** The tree as `process(states)` lines, for a readable expectation of its shape. */
export function treeShape(node: LinkNode): unknown {
  return {
    process: node.process,
    states: node.states,
    ...(node.children.length > 0 ? { children: node.children.map(treeShape) } : {}),
  };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}
