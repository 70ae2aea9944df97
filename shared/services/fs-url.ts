/**
 * Storage URLs of file systems and links (reference/paddleflow.md §7.5), read as PaddleFlow reads them: the
 * scheme is the text before the first `:`, and the rest is split on `/`, so that `hdfs://ns1,ns2/sub` has
 * server address `ns1,ns2` and sub path `/sub`. Floe is stricter where PaddleFlow lets a malformed URL through
 * (`hdfs:x/y/z` has no `//`; `hdfs:///sub` has no server) and more lenient in one place: `local:///tmp/x`, the
 * usual spelling of an absolute path, means `/tmp/x` just as PaddleFlow's `local://tmp/x` does.
 * Pure: no I/O. A problem is a `StorageSpecError`, which the caller turns into its own error code.
 */
import { posix } from 'node:path';

/** PaddleFlow's schemes, and Floe's `efs` (an Amazon EFS file system: what steps on Fargate mount). */
export const FS_SCHEMES = [
  'hdfs',
  'local',
  's3',
  'sftp',
  'mock',
  'cfs',
  'glusterfs',
  'bos',
  'afs',
  'efs',
] as const;
/** Links are PaddleFlow's, to PaddleFlow's storage: an efs fs neither links nor is linked. */
export const LINK_SCHEMES = ['hdfs', 'local', 's3', 'sftp', 'cfs'] as const;

export type StorageScheme = (typeof FS_SCHEMES)[number];

/** A URL or properties problem; `part` says which, so that fs and links can answer with their own codes. */
export class StorageSpecError extends Error {
  constructor(
    readonly part: 'url' | 'properties',
    message: string,
  ) {
    super(message);
    this.name = 'StorageSpecError';
  }
}

/** PaddleFlow's `InvalidField` wording: `Field[url] is invalid, <why>`. */
export const invalidField = (part: 'url' | 'properties', field: string, why: string) =>
  new StorageSpecError(part, `Field[${field}] is invalid, ${why}`);

export interface ParsedStorageUrl {
  scheme: StorageScheme;
  /** Host(s) for hdfs/sftp/cfs/glusterfs, `afs://<host>` for afs, the EFS file system id for efs; empty for
   * local and mock; s3 and bos take theirs from the `endpoint` property. */
  serverAddress: string;
  subPath: string;
  /** s3 and bos: the first segment after `//`. */
  bucket?: string;
}

const shapes: Record<StorageScheme, string> = {
  hdfs: 'hdfs://<host:port>[,<host:port>...]/<path>',
  sftp: 'sftp://<host:port>/<path>',
  cfs: 'cfs://<host>/<path>',
  afs: 'afs://<host:port>/<path>',
  local: 'local:///<absolute path>',
  mock: 'mock:///<path>',
  s3: 's3://<bucket>[/<path>]',
  bos: 'bos://<bucket>[/<path>]',
  glusterfs: 'glusterfs://<server>:<volume>',
  efs: 'efs://<file-system-id>[/<path>]',
};

/** An EFS file system id: `fs-` and 8 (older file systems) or 17 hex digits. */
const EFS_ID = /^fs-([0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * A directory on the machine that runs the steps: `local://tmp/x` and `local:///tmp/x` are both `/tmp/x`.
 * PaddleFlow refuses an empty path and one under `root`; Floe also refuses `/` itself, after resolving `.`
 * and `..`, so that no file system can be the whole machine.
 */
function localPath(scheme: StorageScheme, afterSlashes: string): string {
  const path = posix.normalize(`/${afterSlashes}`).replace(/\/+$/, '');
  const first = path.split('/')[1];
  if (path === '' || first === 'root') {
    throw invalidField('url', 'url', `${scheme} path can not be empty, / or under /root`);
  }
  return path;
}

export function parseStorageUrl(
  url: string,
  allowed: readonly StorageScheme[],
  what: string,
): ParsedStorageUrl {
  const colon = url.indexOf(':');
  if (colon < 0) {
    throw invalidField('url', 'url', `[${url}] is not a correct ${what} url; expected <scheme>://...`);
  }
  const scheme = url.slice(0, colon) as StorageScheme;
  if (!allowed.includes(scheme)) {
    throw invalidField(
      'url',
      'url',
      `${what === 'link' ? 'link ' : ''}can not support [${url.slice(0, colon)}] file system; supported: ${allowed.join(', ')}`,
    );
  }
  const wrong = () => invalidField('url', 'url', `${scheme} url format is wrong; expected ${shapes[scheme]}`);
  if (!url.startsWith('//', colon + 1)) throw wrong();
  const parts = url.split('/');
  const authority = parts[2] ?? '';
  const rest = parts.slice(3).join('/');

  switch (scheme) {
    case 'hdfs':
    case 'sftp':
    case 'cfs':
    case 'afs':
      if (parts.length < 4 || authority === '') throw wrong();
      return {
        scheme,
        serverAddress: scheme === 'afs' ? `afs://${authority}` : authority,
        subPath: `/${rest}`,
      };
    case 'local':
    case 'mock':
      return { scheme, serverAddress: '', subPath: localPath(scheme, parts.slice(2).join('/')) };
    case 's3':
    case 'bos':
      if (authority === '')
        throw invalidField('url', 'url', `${scheme} must appoint bucket; expected ${shapes[scheme]}`);
      return { scheme, serverAddress: '', subPath: `/${rest}`, bucket: authority };
    case 'efs': {
      if (authority === '')
        throw invalidField('url', 'url', `efs must appoint a file system; expected ${shapes.efs}`);
      if (!EFS_ID.test(authority)) {
        throw invalidField(
          'url',
          'url',
          `efs file system id [${authority}] is wrong; expected fs- and 8 or 17 hex digits, as in efs://fs-0123456789abcdef0/data`,
        );
      }
      // The directory of the file system the fs is: `/` when the URL names none, `.` and `..` resolved.
      const path = posix.normalize(`/${rest}`).replace(/(.)\/+$/, '$1');
      return { scheme, serverAddress: authority, subPath: path };
    }
    case 'glusterfs': {
      const [server = '', volume = ''] = authority.split(':');
      if (server === '' || volume === '') throw wrong();
      return { scheme, serverAddress: server, subPath: volume };
    }
  }
}
