/**
 * Request validation for file systems and links, in PaddleFlow's order and with its error codes: the name,
 * then the URL, then the properties (reference/paddleflow.md §7.5). Pure.
 */
import { posix } from 'node:path';
import { PfError, type PfErrorCode } from '../errors.ts';
import { checkProperties, type Properties, storageIdentity } from './fs-properties.ts';
import { FS_SCHEMES, LINK_SCHEMES, parseStorageUrl, StorageSpecError } from './fs-url.ts';

const FS_NAME = /^[a-zA-Z0-9_-]{1,63}$/;
/** An fs id `fs-<username>-<name>` is at most 63 characters. */
export const MAX_USER_AND_FS_NAME = 63 - 'fs-'.length - '-'.length;

export function validateFsName(username: string, name: string) {
  if (!FS_NAME.test(name)) {
    throw new PfError(
      'FileSystemNameFormatError',
      `Field[name] is invalid, fsName[${name}] must be 1 to 63 letters, digits, _ or -`,
    );
  }
  if (username.length + name.length > MAX_USER_AND_FS_NAME) {
    throw new PfError(
      'FileSystemNameFormatError',
      `Field[name] is invalid, the lengths of username[${username}] and fsName[${name}] must add up to at most ${MAX_USER_AND_FS_NAME}`,
    );
  }
}

export interface StorageDescription {
  type: string;
  serverAddress: string;
  subPath: string;
  /** Checked and completed, secrets not yet sealed. */
  properties: Properties;
}

function describe(
  url: string,
  properties: Properties,
  link: boolean,
  codes: { url: PfErrorCode; properties: PfErrorCode },
): StorageDescription {
  try {
    const parsed = parseStorageUrl(url, link ? LINK_SCHEMES : FS_SCHEMES, link ? 'link' : 'file-system');
    const checked = checkProperties(parsed, properties, link);
    return { ...storageIdentity(parsed, checked), properties: checked };
  } catch (error) {
    if (error instanceof StorageSpecError) throw new PfError(codes[error.part], error.message);
    throw error;
  }
}

export const describeFileSystem = (url: string, properties: Properties) =>
  describe(url, properties, false, {
    url: 'InvalidFileSystemParamsURL',
    properties: 'InvalidFileSystemParamsProperties',
  });

export const describeLink = (url: string, properties: Properties) =>
  describe(url, properties, true, { url: 'InvalidLinkURL', properties: 'InvalidLinkProperties' });

/**
 * Where a link sits in its fs: `data/x`, `/data/x` and `/data/x/` are one place, `/data/x`. PaddleFlow takes
 * the path as given; Floe normalises it so that the nesting rule and later deletes compare like with like,
 * and refuses `/` (it would contain every other link) and `..` (it names a place outside the path written).
 */
export function normaliseFsPath(raw: string | undefined): string {
  const invalid = (why: string) => new PfError('InvalidLinkURL', `Field[fsPath] is invalid, ${why}`);
  if (!raw) throw invalid('fsPath is required');
  if (raw.split('/').includes('..')) throw invalid(`fsPath[${raw}] must not contain ..`);
  const path = posix.normalize(`/${raw}`).replace(/\/+$/, '');
  if (path === '') throw invalid(`fsPath[${raw}] can not be the root of the file system`);
  return path;
}

/** PaddleFlow's `CheckFsNested`: one path is the other, or lies inside it. */
export const pathsNest = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
