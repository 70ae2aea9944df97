/**
 * Runs (reference/paddleflow.md §1.7, §4) in the run's own partition, so one Query returns the whole graph:
 * - head, `pk = RUN#<id>`, `sk = RUN`: the request, the pipeline model, the run's status and its `version`.
 *   Indexed for listing: gsi1 `RUNS` (everyone's) and gsi2 `RUNS#<lower owner>`, both by the id's number.
 * - nodes, `sk = NODE#<key>`: one per component instance, each with its own `version`.
 * - results, `sk = RESULT#<key>#<attempt>`: a node execution's `finished` event, written by the local mailbox
 *   before it is delivered, so that a result reaches the run even when the process stops before applying it.
 *
 * Only the run's consumer writes the head's state and the nodes (one consumer per run at a time: the mailbox
 * serialises them); requests (stop) write the head's request fields. Every write names the version it read.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ControlEvent,
  isFinalRun,
  type NodeState,
  RUN_STATE_FIELDS,
  type RunContext,
  type RunEvent,
  type RunState,
  type RunStatus,
} from '../engine/run/model.ts';
import type { PipelineSpec } from '../engine/spec/model.ts';
import { batchPut } from './batch-write.ts';
import { getItem, getItems, type TableRef } from './client.ts';
import { deleteAtVersion, isConditionFailure, putAtVersion, putNew, updateAtVersion } from './conditions.ts';
import { nextSequence, sequenceId, sortableNumber } from './counters.ts';
import { matching, OwnerListing, type Page, type PageRequest, queryPage } from './paging.ts';
import { partitionItems, purgePartition } from './partition.ts';
import { globalIndexes, partitionKey, sortKey, withoutKeys } from './table.ts';

/** What the request said, kept as PaddleFlow shows it back. */
export interface RunRequestFields {
  name: string;
  source: string;
  /** The fs user the run acts as (PaddleFlow's run `username`). */
  owner: string;
  fsName: string;
  description: string;
  /** The request's parameters, or null when it gave none. */
  parameters: Record<string, unknown> | null;
  runYaml: string;
  dockerEnv: string;
  disabled: string;
  failureStrategy: string;
  scheduleId: string;
  /** ISO instant, or empty. */
  scheduledAt: string;
  /** Floe: a dry run (also in the run's context, which the engine reads). */
  mock?: boolean;
  /** The pipeline version the run was made from, when it was made from one. */
  pipelineId?: string;
  pipelineVersionId?: string;
}

export interface RunRecord extends RunRequestFields {
  id: string;
  seq: number;
  status: RunStatus;
  message: string;
  spec: PipelineSpec;
  context: RunContext;
  stopForce?: boolean;
  /** A stop asked for and not yet applied by the consumer (survives a restart). */
  stopRequest?: { force: boolean } | null;
  /** Operators' actions accepted and not yet applied by the consumer, in order. */
  requests?: ControlEvent[] | null;
  activateTime?: string;
  debug?: boolean;
  holds?: string[];
  revokedBy?: string;
  createdAt: string;
  updatedAt: string;
  /** Runs that reused this run's cache. */
  runCachedIds: string[];
  version: number;
  /** The version the consumer's last pass wrote: a head further on was written by requests alone. */
  passVersion?: number;
}

/** The fields that never change after creation: kept in their own item, so the head stays small. */
type FixedField = 'spec' | 'context' | 'runYaml' | 'parameters';

/** The mutable head alone: what lists show and what the consumer checks before each pass. */
export type RunHead = Omit<RunRecord, FixedField>;

export interface RunFilter {
  owners: string[];
  fsNames: string[];
  runIds: string[];
  names: string[];
  statuses: string[];
}

/** A stored run as the engine sees it, with the versions its writes must name. */
export interface LoadedRun {
  record: RunRecord;
  state: RunState;
  nodeVersions: Record<string, number>;
  /** `finished` events stored by the local mailbox and not yet cleared. */
  results: RunEvent[];
}

const SEQUENCE = 'run';
const listing = new OwnerListing('RUNS');
/** Sparse: only runs that are not final are in it, so a restart finds the runs to resume without a Scan. */
const activeIndex = globalIndexes[2]!;
const ACTIVE_PARTITION = 'RUNS#ACTIVE';
/** A schedule's runs, by the id's number: what `GET /schedule/{id}` pages through. */
const scheduleIndex = globalIndexes[3]!;
const schedulePartition = (scheduleId: string) => `SCHEDRUNS#${scheduleId}`;

export const runPartition = (id: string) => `RUN#${id}`;
const headKey = (id: string) => ({ [partitionKey]: runPartition(id), [sortKey]: 'RUN' });
const fixedKey = (id: string) => ({ [partitionKey]: runPartition(id), [sortKey]: 'FIXED' });
const nodeKey = (id: string, key: string) => ({ [partitionKey]: runPartition(id), [sortKey]: `NODE#${key}` });
const resultKey = (id: string, key: string, attempt: number) => ({
  [partitionKey]: runPartition(id),
  [sortKey]: `RESULT#${key}#${attempt}`,
});
const toHead = (row: Record<string, unknown>) => withoutKeys<RunHead>(row);

function splitRecord(record: RunRecord): { head: RunHead; fixed: Pick<RunRecord, FixedField> } {
  const { spec, context, runYaml, parameters, ...head } = record;
  return { head, fixed: { spec, context, runYaml, parameters } };
}

function toNode(row: Record<string, unknown>): { node: NodeState; version: number } {
  const { version, ...node } = withoutKeys(row);
  return { node: node as unknown as NodeState, version: version as number };
}

/** The engine's view of a head: the run fields reconcile reads and writes. */
function stateOf(record: RunRecord, nodes: Record<string, NodeState>): RunState {
  return {
    runId: record.id,
    status: record.status,
    message: record.message,
    ...(record.stopForce === undefined ? {} : { stopForce: record.stopForce }),
    ...(record.activateTime === undefined ? {} : { activateTime: record.activateTime }),
    ...(record.debug === undefined ? {} : { debug: record.debug }),
    ...(record.holds === undefined ? {} : { holds: record.holds }),
    ...(record.revokedBy === undefined ? {} : { revokedBy: record.revokedBy }),
    spec: record.spec,
    context: record.context,
    nodes,
  };
}

export class RunRepository {
  constructor(private readonly ref: TableRef) {}

  /** Takes the next run id: `run-000001`… */
  async allocateId(): Promise<{ id: string; seq: number }> {
    const seq = await nextSequence(this.ref, SEQUENCE);
    return { id: sequenceId('run', seq), seq };
  }

  /** Stores a new run with the nodes its state already has (a retry's kept ones). */
  async create(record: RunRecord, nodes: NodeState[]): Promise<void> {
    // The fixed fields and the nodes first: until the head lands, nothing lists or reads the run.
    const { head, fixed } = splitRecord(record);
    await this.ref.client.send(
      new PutCommand({ TableName: this.ref.table, Item: { ...fixedKey(record.id), ...fixed } }),
    );
    await Promise.all(nodes.map((node) => this.putNode(record.id, node, undefined)));
    await putNew(
      this.ref,
      {
        ...headKey(record.id),
        ...listing.keys(record.owner, sortableNumber(record.seq)),
        ...(record.scheduleId
          ? {
              [scheduleIndex.partitionKey]: schedulePartition(record.scheduleId),
              [scheduleIndex.sortKey]: sortableNumber(record.seq),
            }
          : {}),
        ...(isFinalRun(record.status)
          ? {}
          : {
              [activeIndex.partitionKey]: ACTIVE_PARTITION,
              [activeIndex.sortKey]: sortableNumber(record.seq),
            }),
        ...head,
      },
      `no run ${record.id}`,
    );
  }

  /** The head alone (small): status, request fields, version. */
  async head(id: string): Promise<RunHead | undefined> {
    const item = await getItem(this.ref, headKey(id));
    return item ? toHead(item) : undefined;
  }

  /** Those of these runs that exist (one BatchGetItem per 100 ids, heads' ids alone read). */
  async existing(ids: string[]): Promise<string[]> {
    const rows = await getItems(this.ref, ids.map(headKey), ['id']);
    const found = new Set(rows.map((row) => row.id as string));
    return ids.filter((id) => found.has(id));
  }

  /** The whole record: head and fixed fields. */
  async get(id: string): Promise<RunRecord | undefined> {
    const [head, fixed] = await Promise.all([this.head(id), getItem(this.ref, fixedKey(id))]);
    if (!head || !fixed) return undefined;
    return { ...head, ...withoutKeys<Pick<RunRecord, FixedField>>(fixed) };
  }

  /** The head, every node and every stored result, in one strongly consistent Query (paged by DynamoDB). */
  async load(id: string): Promise<LoadedRun | undefined> {
    let head: RunHead | undefined;
    let fixed: Pick<RunRecord, FixedField> | undefined;
    const nodes: Record<string, NodeState> = {};
    const nodeVersions: Record<string, number> = {};
    const results: RunEvent[] = [];
    for await (const rows of partitionItems(this.ref, runPartition(id))) {
      for (const row of rows) {
        const sk = row[sortKey] as string;
        if (sk === 'RUN') head = toHead(row);
        else if (sk === 'FIXED') fixed = withoutKeys<Pick<RunRecord, FixedField>>(row);
        else if (sk.startsWith('NODE#')) {
          const { node, version } = toNode(row);
          nodes[node.key] = node;
          nodeVersions[node.key] = version;
        } else if (sk.startsWith('RESULT#')) results.push(row.event as RunEvent);
      }
    }
    if (!head || !fixed) return undefined;
    const record: RunRecord = { ...head, ...fixed };
    return { record, state: stateOf(record, nodes), nodeVersions, results };
  }

  /**
   * Writes what the engine changed: the changed nodes (each conditional on the version read), then the head
   * (conditional on its version, which every pass bumps, so a cached copy of the run is current exactly when
   * its head version is). A ConditionFailedError means another writer got there first: reload and reconcile
   * again. A crash between the writes leaves nodes ahead of the head, which the next pass reads as they are:
   * the engine decides from nodes, so nothing is lost. Returns the run as now stored.
   */
  async save(
    loaded: LoadedRun,
    next: RunState,
    now: string,
    headChanges: Record<string, unknown> = {},
  ): Promise<LoadedRun> {
    const previous = loaded.state;
    const nodeVersions = { ...loaded.nodeVersions };
    const writes: Promise<void>[] = [];
    for (const [key, node] of Object.entries(next.nodes)) {
      if (previous.nodes[key] === node) continue;
      const version = loaded.nodeVersions[key];
      writes.push(this.putNode(next.runId, node, version));
      nodeVersions[key] = (version ?? 0) + 1;
    }
    const results = await Promise.allSettled(writes);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;

    const changes: Record<string, unknown> = {
      ...headChanges,
      updatedAt: now,
      passVersion: loaded.record.version + 1,
    };
    const removes: string[] = isFinalRun(next.status) ? [activeIndex.partitionKey, activeIndex.sortKey] : [];
    // Optional fields the engine dropped are removed.
    for (const field of RUN_STATE_FIELDS) {
      if (next[field] === previous[field]) continue;
      if (next[field] === undefined) removes.push(field);
      else changes[field] = next[field];
    }
    const version = await this.updateHead(loaded.record, changes, removes);
    const record = { ...loaded.record, ...changes, version } as RunRecord;
    for (const field of removes) delete (record as unknown as Record<string, unknown>)[field];
    return { record, state: { ...next }, nodeVersions, results: loaded.results };
  }

  /** Records a stop request on the head, if it is still at the version read. */
  async requestStop(record: RunHead, force: boolean, now: string): Promise<void> {
    await this.updateHead(record, { stopRequest: { force }, updatedAt: now });
  }

  /**
   * Queues an operator's action for the consumer, if the head is still at the version read: the action was
   * checked against that very state (and the actions queued before it).
   */
  async requestControl(record: RunHead, event: ControlEvent, now: string): Promise<void> {
    await this.updateHead(record, { requests: [...(record.requests ?? []), event], updatedAt: now });
  }

  /** Sets head fields if the head is still at the version read; returns the new version. */
  async updateHead(
    record: RunHead,
    changes: Record<string, unknown>,
    removes: string[] = [],
  ): Promise<number> {
    return updateAtVersion(
      this.ref,
      { key: headKey(record.id), version: record.version },
      changes,
      `run ${record.id} at version ${record.version}`,
      removes,
    );
  }

  /** One node of a run, as last written (the cache check reads the job a cache row points at). */
  async node(id: string, key: string): Promise<NodeState | undefined> {
    const item = await getItem(this.ref, nodeKey(id, key));
    return item ? toNode(item).node : undefined;
  }

  /**
   * Notes on the head that run `byRunId` reused this run's cache (what delete's `checkCache` reads). Only that
   * field, and not the version: the run's consumer owns the version and never writes this field, so the two
   * never overwrite each other. A run listed already, or a run gone, is left as it is.
   */
  async addCachedBy(id: string, byRunId: string): Promise<void> {
    try {
      await this.ref.client.send(
        new UpdateCommand({
          TableName: this.ref.table,
          Key: headKey(id),
          UpdateExpression: 'SET #ids = list_append(#ids, :one)',
          ConditionExpression: 'attribute_exists(#pk) AND NOT contains(#ids, :id)',
          ExpressionAttributeNames: { '#ids': 'runCachedIds', '#pk': partitionKey },
          ExpressionAttributeValues: { ':one': [byRunId], ':id': byRunId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The ids of every run that is not final (what a restart resumes). */
  async listActive(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<RunHead> = await queryPage(
        this.ref,
        { index: activeIndex, partitionValue: ACTIVE_PARTITION },
        { limit: 1000, cursor },
        toHead,
      );
      ids.push(...page.items.map((run) => run.id));
      cursor = page.cursor;
    } while (cursor);
    return ids;
  }

  /**
   * Stores node executions' result events, of any runs, in bulk (idempotent: an attempt's result is one item,
   * so a batch with the same result twice keeps the last).
   */
  async putResults(
    results: { runId: string; event: Extract<RunEvent, { type: 'finished' }> }[],
  ): Promise<void> {
    await batchPut(
      this.ref,
      results.map(({ runId, event }) => ({ ...resultKey(runId, event.key, event.attempt), event })),
    );
  }

  /** Runs in id order, filtered exactly: pages never come back empty with a promise of more. */
  list(filter: RunFilter, page: PageRequest): Promise<Page<RunHead>> {
    const { owners, fsNames, runIds, names, statuses } = filter;
    const match = { fsName: fsNames, id: runIds, name: names, status: statuses };
    return listing.page(this.ref, { owners, match }, page, toHead);
  }

  /** A schedule's runs in id order, filtered by id and status. */
  listBySchedule(
    scheduleId: string,
    filter: Pick<RunFilter, 'runIds' | 'statuses'>,
    page: PageRequest,
  ): Promise<Page<RunHead>> {
    const keep = matching({ id: filter.runIds, status: filter.statuses });
    return queryPage(
      this.ref,
      { index: scheduleIndex, partitionValue: schedulePartition(scheduleId), keep },
      page,
      toHead,
    );
  }

  /** Deletes a final run's head (if unchanged since read), then the rest of its partition. */
  async delete(record: RunHead): Promise<void> {
    await deleteAtVersion(this.ref, { key: headKey(record.id), version: record.version }, `run ${record.id}`);
    // Best effort: a crash here leaves items no id leads to (run ids are never reused).
    await purgePartition(this.ref, runPartition(record.id));
  }

  private async putNode(runId: string, node: NodeState, version: number | undefined): Promise<void> {
    await putAtVersion(
      this.ref,
      { ...nodeKey(runId, node.key), ...node },
      version ?? 0,
      `node ${node.key} of ${runId} at version ${version ?? 'none'}`,
    );
  }
}
