import { canReadCase, DirectoryService } from '@app/auth';
import type { Actor } from '@app/engine';
import { Injectable } from '@nestjs/common';
import { ProjectionDatabase } from '../runner/projection-database';
import { StatementCache } from '../runner/statement-cache';
import { readScopeSql } from './case-read-scope';
import { type CaseIndexEntry, type CaseRow, CaseSummaryReader } from './case-summary.reader';

/** Filters of `GET /cases`. Every one is optional; they combine with AND. */
export interface CaseListQuery {
  process?: string;
  /** A state key the case is in (a leaf, or a parent state of one). */
  state?: string;
  status?: string;
  /** A group responsible now. */
  group?: string;
  /** A role responsible now. */
  role?: string;
  /** A person (user id) responsible now. */
  assignee?: string;
  overdue?: boolean;
  /** Part of the subject's name, the subject's id or the case id (case-insensitive). */
  q?: string;
  /** 1-based. */
  page?: number;
  pageSize?: number;
}

export interface CaseListPage {
  items: CaseIndexEntry[];
  page: number;
  pageSize: number;
  /** Matching cases the actor may read, over all pages. */
  total: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `GET /cases`: the case index, filtered, in the actor's read scope, newest activity first. */
@Injectable()
export class CaseIndexQuery {
  private readonly statements: StatementCache;
  private readonly snapshot: <T>(read: () => T) => T;

  constructor(
    db: ProjectionDatabase,
    private readonly directory: DirectoryService,
    private readonly reader: CaseSummaryReader,
  ) {
    this.statements = new StatementCache(db.reader);
    // The page, its total and the children from one snapshot.
    const tx = db.reader.transaction((read: () => unknown) => read());
    this.snapshot = <T>(read: () => T) => tx.deferred(read) as T;
  }

  list(actor: Actor, query: CaseListQuery = {}): CaseListPage {
    const page = Math.max(1, Math.floor(query.page ?? 1));
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(query.pageSize ?? DEFAULT_PAGE_SIZE)));
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    const scope = readScopeSql(actor, this.directory, 'c');
    if (scope) {
      where.push(scope.sql);
      Object.assign(params, scope.params);
    }
    if (query.process !== undefined) {
      where.push('c.process = @process');
      params.process = query.process;
    }
    if (query.status !== undefined) {
      where.push('c.status = @status');
      params.status = query.status;
    }
    if (query.state !== undefined) {
      where.push('EXISTS (SELECT 1 FROM case_states s WHERE s.case_id = c.id AND s.state = @state)');
      params.state = query.state;
    }
    const current = (kind: string, param: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(
        `EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = c.id AND p.kind = '${kind}' AND p.value = @${param} AND p.current = 1)`,
      );
      params[param] = value;
    };
    current('group', 'group', query.group);
    current('role', 'role', query.role);
    current('person', 'assignee', query.assignee);
    if (query.overdue !== undefined) {
      where.push('c.overdue = @overdue');
      params.overdue = query.overdue ? 1 : 0;
    }
    if (query.q !== undefined && query.q.trim() !== '') {
      where.push("c.search LIKE @q ESCAPE '\\'");
      params.q = `%${query.q
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.snapshot(() => {
      const total = this.statements.get(`SELECT count(*) AS n FROM case_index c ${whereSql}`).get(params) as {
        n: number;
      };
      const rows = this.statements
        .get(`SELECT c.* FROM case_index c ${whereSql} ORDER BY c.updated_at DESC, c.id LIMIT @limit OFFSET @offset`)
        .all({ ...params, limit: pageSize, offset: (page - 1) * pageSize }) as CaseRow[];
      const children = this.children(actor, rows);
      return {
        items: rows.map((row) => this.reader.toEntry(row, children.get(row.id) ?? [])),
        page,
        pageSize,
        total: total.n,
      };
    });
  }

  /** The children of a page's cases that the actor may read, by parent. */
  private children(actor: Actor, rows: CaseRow[]): Map<string, string[]> {
    const byParent = new Map<string, string[]>();
    if (rows.length === 0) return byParent;
    const scope = readScopeSql(actor, this.directory, 'c');
    const sql = `SELECT c.id, c.parent_id FROM case_index c
      WHERE c.parent_id IN (SELECT value FROM json_each(@parents)) ${scope ? `AND ${scope.sql}` : ''}
      ORDER BY c.started_position`;
    const found = this.statements
      .get(sql)
      .all({ ...(scope?.params ?? {}), parents: JSON.stringify(rows.map((row) => row.id)) }) as Array<{
      id: string;
      parent_id: string;
    }>;
    for (const child of found) {
      const list = byParent.get(child.parent_id) ?? [];
      list.push(child.id);
      byParent.set(child.parent_id, list);
    }
    return byParent;
  }
}

/** One case in a links tree. Cases outside the reader's scope keep their place but show nothing. */
export interface CaseLinkNode {
  /** `null` for a case the reader may not read. */
  id: string | null;
  readable: boolean;
  process: string;
  title?: string;
  states?: string[];
  stateLabels?: Record<string, string>;
  status?: string;
  subjectName?: string | null;
  startedAt?: string;
  /** The case the tree was asked for. */
  current?: boolean;
  children: CaseLinkNode[];
}

/** Bounds a malformed link graph can never make a request exceed. */
const MAX_DEPTH = 32;
const MAX_NODES = 1_000;

/** `GET /cases/:id/links`: the tree of linked cases, from the root ancestor down to every descendant. */
@Injectable()
export class CaseLinksQuery {
  constructor(
    private readonly reader: CaseSummaryReader,
    private readonly directory: DirectoryService,
  ) {}

  /** Undefined when the case does not exist or the actor may not read it (answer 404 either way). */
  tree(actor: Actor, caseId: string): { caseId: string; root: CaseLinkNode } | undefined {
    const row = this.reader.row(caseId);
    if (!row || !canReadCase(actor, this.directory, this.reader.summaryOf(row))) return undefined;
    let root = row;
    const seen = new Set([row.id]);
    for (let depth = 0; root.parent_id !== null && depth < MAX_DEPTH; depth++) {
      const parent = this.reader.row(root.parent_id);
      if (!parent || seen.has(parent.id)) break;
      seen.add(parent.id);
      root = parent;
    }
    let budget = MAX_NODES;
    const visited = new Set<string>();
    const build = (node: CaseRow, depth: number): CaseLinkNode => {
      visited.add(node.id);
      budget--;
      const readable = canReadCase(actor, this.directory, this.reader.summaryOf(node));
      const children: CaseLinkNode[] = [];
      if (depth < MAX_DEPTH) {
        for (const child of this.reader.childRows(node.id)) {
          if (budget <= 0 || visited.has(child.id)) continue;
          children.push(build(child, depth + 1));
        }
      }
      if (!readable) return { id: null, readable: false, process: node.process, children };
      return {
        id: node.id,
        readable: true,
        process: node.process,
        title: node.title,
        states: JSON.parse(node.states),
        stateLabels: JSON.parse(node.labels),
        status: node.status,
        subjectName: node.subject_name,
        startedAt: node.started_at,
        ...(node.id === caseId ? { current: true } : {}),
        children,
      };
    };
    return { caseId, root: build(root, 0) };
  }
}
