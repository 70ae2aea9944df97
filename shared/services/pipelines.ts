/**
 * Pipelines and their versions (reference/paddleflow.md §1.8). The checks run in PaddleFlow's order
 * (`controller/pipeline/pipeline.go`): the request's own fields, then its YAML, then the pipeline's existence
 * and ownership, then the state of the store.
 *
 * Deleting a pipeline with a running schedule, or a version such a schedule uses, is 403 ActionNotAllowed,
 * checked after the last-version rule.
 */
import { parsePipelineYaml, SpecError } from '../engine/spec/index.ts';
import { PfError } from '../errors.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import { InvalidCursorError, type Page, type PageRequest } from '../store/paging.ts';
import type { PipelineVersionRecord } from '../store/pipeline-versions.ts';
import {
  liveVersions,
  type PipelineFilter,
  type PipelineRecord,
  type PipelineRepository,
} from '../store/pipelines.ts';
import { readPipelineSource, type SourceRequest, type YamlFiles } from './pipeline-source.ts';
import { type Actor, assertAccess, listedOwners } from './users.ts';

/** PaddleFlow's `util.MaxDescLength`, compared with Go's `len`: bytes of UTF-8, not characters. */
export const MAX_DESC_BYTES = 256;

/**
 * A version's YAML is stored in one DynamoDB item (400 KB at most, attribute names included). PaddleFlow keeps
 * it in a MySQL mediumtext; real pipelines are a few KB, so the cap only refuses what could not be stored.
 */
export const MAX_YAML_BYTES = 300 * 1024;

export interface PipelineRequest extends SourceRequest {
  desc: string;
}

export interface VersionPageRequest extends PageRequest {
  /** Only versions made from these file systems; empty for all. */
  fsNames: string[];
}

const notFound = (id: string) => new PfError('PipelineNotFound', `pipeline[${id}] does not exist`);
const versionNotFound = (id: string, version: string) =>
  new PfError('PipelineNotFound', `pipeline[${id}] version[${version}] does not exist`);

const PIPELINE_ID = /^ppl-\d{6,15}$/;

/** A pipeline (or run) spec, or 400 InvalidPipeline saying what is wrong with it. */
export function parseOrRefuse<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SpecError) throw new PfError('InvalidPipeline', error.message);
    throw error;
  }
}

/** Version ids are the decimal numbers "1", "2"…: "01" names nothing, as in PaddleFlow. */
const versionNumber = (versionId: string): number | undefined =>
  /^[1-9]\d{0,9}$/.test(versionId) ? Number(versionId) : undefined;

/** The running schedules of a pipeline (or of one of its versions), which hold it from deletion. */
export interface RunningSchedules {
  runningForPipeline(pipelineId: string, versionId?: string): Promise<{ id: string }[]>;
}

export class PipelineService {
  constructor(
    private readonly pipelines: PipelineRepository,
    private readonly files: YamlFiles,
    private readonly schedules?: RunningSchedules,
  ) {}

  private async refuseIfScheduled(pipelineId: string, versionId?: string): Promise<void> {
    const running = (await this.schedules?.runningForPipeline(pipelineId, versionId)) ?? [];
    if (running.length > 0) {
      const what =
        versionId === undefined ? `pipeline[${pipelineId}]` : `pipeline[${pipelineId}] version[${versionId}]`;
      throw new PfError(
        'ActionNotAllowed',
        `delete ${what} failed: there are running schedules [${running.map((s) => s.id).join(',')}], pls stop first`,
      );
    }
  }

  async create(
    actor: Actor,
    request: PipelineRequest,
  ): Promise<{ pipeline: PipelineRecord; version: number }> {
    const { name, content } = await this.readVersion(actor, request);
    const duplicated = () =>
      new PfError('DuplicatedName', `user[${actor.name}] already has pipeline[${name}]; update it instead`);
    // Refuse the common case before burning an id; the conditional create settles any race.
    if (await this.pipelines.findByName(actor.name, name)) throw duplicated();
    const createdAt = content.createdAt;
    try {
      const pipeline = await this.pipelines.create(
        { name, owner: actor.name, desc: request.desc, createdAt },
        content,
      );
      return { pipeline, version: 1 };
    } catch (error) {
      if (error instanceof ConditionFailedError) throw duplicated();
      throw error;
    }
  }

  /** A new version of the pipeline, whose YAML must keep the pipeline's name; also replaces the desc. */
  async update(
    actor: Actor,
    id: string,
    request: PipelineRequest,
  ): Promise<{ pipeline: PipelineRecord; version: number }> {
    const { name, content } = await this.readVersion(actor, request);
    const pipeline = await this.get(actor, id);
    if (pipeline.name !== name) {
      throw new PfError(
        'InvalidArguments',
        `the name[${name}] in the YAML differs from the name[${pipeline.name}] of pipeline[${id}]`,
      );
    }
    try {
      return await this.pipelines.addVersion(pipeline, content, request.desc);
    } catch (error) {
      if (error instanceof ConditionFailedError) throw notFound(id);
      throw error;
    }
  }

  /** Root sees everyone's pipelines (or those of `owners`); anyone else their own and may not filter by user. */
  async list(actor: Actor, filter: PipelineFilter, page: PageRequest): Promise<Page<PipelineRecord>> {
    const owners = listedOwners(actor, filter.owners);
    return this.pipelines.list({ ...filter, owners }, page);
  }

  /** The pipeline, if the actor owns it or is root. */
  async get(actor: Actor, id: string): Promise<PipelineRecord> {
    // Only `ppl-` and a number can name a pipeline: anything else is not found without a read.
    const pipeline = PIPELINE_ID.test(id) ? await this.pipelines.get(id) : undefined;
    if (!pipeline) throw notFound(id);
    assertAccess(actor, pipeline.owner, 'pipeline', id);
    return pipeline;
  }

  /**
   * A page of a pipeline's live versions in number order. The head just read decides which versions exist
   * and which match the filter, so the page and its truncation are exact; only the page's items are read.
   * The cursor is the last version number returned.
   */
  async versions(pipeline: PipelineRecord, page: VersionPageRequest): Promise<Page<PipelineVersionRecord>> {
    let after = 0;
    if (page.cursor) {
      if (!/^\d{1,10}$/.test(page.cursor)) throw new InvalidCursorError();
      after = Number(page.cursor);
    }
    const fsNames = new Set(page.fsNames);
    const candidates = liveVersions(pipeline).filter(
      (n) => n > after && (fsNames.size === 0 || fsNames.has(pipeline.versions[n]!)),
    );
    const numbers = candidates.slice(0, page.limit);
    const items = await this.pipelines.versionItems.getMany(pipeline.id, numbers);
    const cursor = candidates.length > page.limit ? String(numbers[numbers.length - 1]) : null;
    return { items, cursor };
  }

  async getVersion(
    actor: Actor,
    id: string,
    versionId: string,
  ): Promise<{ pipeline: PipelineRecord; version: PipelineVersionRecord }> {
    const pipeline = await this.get(actor, id);
    return { pipeline, version: await this.versionOf(pipeline, versionId) };
  }

  /** A live version of a pipeline `get` returned (so read once, and its access checked). */
  async versionOf(pipeline: PipelineRecord, versionId: string): Promise<PipelineVersionRecord> {
    const n = this.liveVersion(pipeline, versionId);
    const version = await this.pipelines.versionItems.get(pipeline.id, n);
    if (!version) throw versionNotFound(pipeline.id, versionId);
    return version;
  }

  async deleteVersion(actor: Actor, id: string, versionId: string): Promise<void> {
    let pipeline = await this.get(actor, id);
    for (;;) {
      const n = this.liveVersion(pipeline, versionId);
      if (Object.keys(pipeline.versions).length === 1) {
        throw new PfError(
          'ActionNotAllowed',
          `version[${versionId}] is the only version of pipeline[${id}]; delete the pipeline instead`,
        );
      }
      await this.refuseIfScheduled(id, String(n));
      try {
        return await this.pipelines.removeVersion(pipeline, n);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
      // Another request changed the pipeline since it was read: judge again on what is there now.
      const current = await this.pipelines.get(id);
      if (!current) throw notFound(id);
      pipeline = current;
    }
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const pipeline = await this.get(actor, id);
    await this.refuseIfScheduled(id);
    try {
      await this.pipelines.delete(pipeline);
    } catch (error) {
      if (error instanceof ConditionFailedError) throw notFound(id);
      throw error;
    }
  }

  private liveVersion(pipeline: PipelineRecord, versionId: string): number {
    const n = versionNumber(versionId);
    if (n === undefined || !(String(n) in pipeline.versions)) throw versionNotFound(pipeline.id, versionId);
    return n;
  }

  /** The request's checks up to a valid YAML: desc, source, spec. Nothing is written. */
  private async readVersion(actor: Actor, request: PipelineRequest) {
    const descBytes = Buffer.byteLength(request.desc, 'utf8');
    if (descBytes > MAX_DESC_BYTES) {
      throw new PfError(
        'InvalidArguments',
        `desc is too long: ${descBytes} bytes, at most ${MAX_DESC_BYTES} (UTF-8) are allowed`,
      );
    }
    const source = await readPipelineSource(actor, request, this.files);
    const yamlBytes = Buffer.byteLength(source.yaml, 'utf8');
    if (yamlBytes > MAX_YAML_BYTES) {
      throw new PfError(
        'InvalidArguments',
        `the pipeline yaml is too large: ${yamlBytes} bytes, at most ${MAX_YAML_BYTES} are supported`,
      );
    }
    // As PaddleFlow validates a pipeline: like a run with no parameters and no fs from the request.
    const spec = parseOrRefuse(() => parsePipelineYaml(source.yaml));
    // A main fs named in the YAML must be one the actor may use (of `username`, when root names one).
    const mainFs = spec.fsOptions.mainFs?.name;
    if (mainFs) await this.files.resolveForUse(actor, mainFs, request.username || undefined);
    const content = { ...source, owner: actor.name, createdAt: new Date().toISOString() };
    return { name: spec.name, content };
  }
}
