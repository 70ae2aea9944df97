/**
 * Where a pipeline version's YAML comes from (reference/paddleflow.md §1.8): inline as base64 (`yamlRaw`) or a
 * file on one of the caller's file systems (`fsName` + `yamlPath`, default `./run.yaml`). The rules and their
 * order are PaddleFlow's `getPipelineYaml`: raw beats path, raw excludes fsName, a path needs an fsName.
 */
import { PfError } from '../errors.ts';
import type { FileSystemService } from './filesystems.ts';
import type { Actor } from './users.ts';

export const DEFAULT_YAML_PATH = './run.yaml';

/** The request fields that choose the source (absent fields are empty strings, as in Go). */
export interface SourceRequest {
  fsName: string;
  yamlPath: string;
  yamlRaw: string;
  /** Whose file system `fsName` names (root may read another user's); empty for the caller's own. */
  username: string;
}

export interface PipelineSource {
  yaml: string;
  /** Both empty for an inline source. */
  fsName: string;
  yamlPath: string;
}

/** What pipelines need of file systems: the fs service's check that the actor may use one, and its reader. */
export type YamlFiles = Pick<FileSystemService, 'resolveForUse' | 'readFile'>;

const BASE64_CHARACTER = /[A-Za-z0-9+/=]/;

/**
 * Go's `base64.StdEncoding.DecodeString`: the standard alphabet with `=` padding to a multiple of four,
 * line breaks ignored; anything else is an error (Node's own decoder would silently skip bad characters).
 */
export function decodeStdBase64(text: string, field = 'yamlRaw'): Buffer {
  const fail = (problem: string) => new PfError('Decode base64', `${field} is not valid base64: ${problem}`);
  let data = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\r' || c === '\n') continue;
    if (!BASE64_CHARACTER.test(c)) throw fail(`illegal character ${JSON.stringify(c)} at position ${i}`);
    data += c;
  }
  if (data.length % 4 !== 0) {
    throw fail(`its length ${data.length} is not a multiple of 4 (is the "=" padding missing?)`);
  }
  // Padding is one or two "=" at the very end, nothing after them.
  const padding = data.indexOf('=');
  if (padding !== -1 && (padding < data.length - 2 || !/^=+$/.test(data.slice(padding)))) {
    throw fail('"=" may only pad its end, once or twice');
  }
  return Buffer.from(data, 'base64');
}

/** Reads the YAML text a create or update request names. */
export async function readPipelineSource(
  actor: Actor,
  request: SourceRequest,
  files: YamlFiles,
): Promise<PipelineSource> {
  if (request.yamlRaw !== '') {
    if (request.yamlPath !== '') {
      throw new PfError('InvalidArguments', 'give one of yamlRaw and yamlPath, not both');
    }
    if (request.fsName !== '') {
      throw new PfError('InvalidArguments', 'fsName cannot be given with yamlRaw: it is for yamlPath only');
    }
    return { yaml: decodeStdBase64(request.yamlRaw).toString('utf8'), fsName: '', yamlPath: '' };
  }
  const yamlPath = request.yamlPath || DEFAULT_YAML_PATH;
  if (request.fsName === '') {
    throw new PfError(
      'InvalidArguments',
      `fsName is required to read yamlPath[${yamlPath}]; or give the YAML itself in yamlRaw`,
    );
  }
  const fs = await files.resolveForUse(actor, request.fsName, request.username || undefined);
  return { yaml: await files.readFile(fs, yamlPath), fsName: request.fsName, yamlPath };
}
