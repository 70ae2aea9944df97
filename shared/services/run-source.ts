/**
 * Where a run's pipeline comes from (reference/paddleflow.md §1.7), in PaddleFlow's order of priority:
 * `runYamlRaw` (base64), then `pipelineID` + `pipelineVersionID` (empty: the latest version), then
 * `runYamlPath` on the run's fs (default `./run.yaml`). The `source` recorded on the run says which: cache
 * matching keys on it, so two versions of a pipeline never share cache.
 */
import { md5Hex } from '../engine/run/ids.ts';
import { PfError } from '../errors.ts';
import { liveVersions } from '../store/pipelines.ts';
import type { FileSystemService } from './filesystems.ts';
import { DEFAULT_YAML_PATH, decodeStdBase64 } from './pipeline-source.ts';
import type { PipelineService } from './pipelines.ts';
import type { Actor } from './users.ts';

export interface RunSourceRequest {
  fsName: string;
  username: string;
  runYamlRaw: string;
  pipelineId: string;
  pipelineVersionId: string;
  runYamlPath: string;
}

export interface RunSource {
  yaml: string;
  source: string;
}

export type RunSourceDeps = {
  files: Pick<FileSystemService, 'resolveForUse' | 'readFile'>;
  pipelines: Pick<PipelineService, 'get' | 'versionOf'>;
};

export async function readRunSource(
  actor: Actor,
  request: RunSourceRequest,
  deps: RunSourceDeps,
): Promise<RunSource> {
  if (request.runYamlRaw !== '') {
    let yaml: string;
    try {
      yaml = decodeStdBase64(request.runYamlRaw, 'runYamlRaw').toString('utf8');
    } catch (error) {
      throw new PfError('MalformedYaml', (error as Error).message);
    }
    return { yaml, source: md5Hex(yaml) };
  }
  if (request.pipelineId !== '') {
    const pipeline = await deps.pipelines.get(actor, request.pipelineId);
    const versionId = request.pipelineVersionId || String(liveVersions(pipeline).at(-1));
    const version = await deps.pipelines.versionOf(pipeline, versionId);
    return { yaml: version.yaml, source: `${pipeline.id}-${request.pipelineVersionId}` };
  }
  const path = request.runYamlPath || DEFAULT_YAML_PATH;
  if (request.fsName === '') {
    throw new PfError(
      'InvalidArguments',
      `fsName is required to read runYamlPath[${path}]; or give the YAML in runYamlRaw, or a pipelineID`,
    );
  }
  const fs = await deps.files.resolveForUse(actor, request.fsName, request.username || undefined);
  return { yaml: await deps.files.readFile(fs, path), source: path };
}
