/**
 * PaddleFlow's error vocabulary (reference/paddleflow.md §0.3): every failure leaves the server as
 * `{requestID, code, message}` with the HTTP status PaddleFlow gives that code. Services throw `PfError`;
 * the error middleware renders it. A code missing from the status map is a 500, as in PaddleFlow.
 */

const statusByCode = {
  AccessDenied: 403,
  ActionNotAllowed: 403,
  OnlyRootAllowed: 403,
  UserNameDuplicated: 403,
  QueueNameDuplicated: 403,
  FileSystemClientBusy: 403,
  FileSystemNotExist: 403,

  InappropriateJSON: 400,
  InvalidHTTPRequest: 400,
  InvalidURI: 400,
  MalformedJSON: 400,
  MalformedYaml: 400,
  'Decode base64': 400,
  InvalidPipeline: 400,
  FileTypeNotSupported: 400,
  InvalidNamePattern: 400,
  RequestExpired: 400,
  InvalidMarker: 400,
  DuplicatedName: 400,
  DuplicatedContent: 400,
  InvalidArguments: 400,
  RequiredFieldEmpty: 400,
  UserNotExist: 400,
  UserPasswordWeak: 400,
  AuthWithoutToken: 400,
  AuthInvalidToken: 400,
  AuthFailed: 400,
  AuthIllegalUser: 400,
  InvalidState: 400,
  ReadYamlFileFailed: 400,
  RunNameDuplicated: 400,
  FileSystemNameFormatError: 400,
  InvalidFileSystemParamsURL: 400,
  InvalidFileSystemParamsProperties: 400,
  InvalidFileSystemFsName: 400,
  InvalidLinkURL: 400,
  InvalidLinkProperties: 400,
  LinkPathExist: 400,
  LinkFileSystemNotExist: 400,
  LinkNotExist: 400,

  PathNotFound: 404,
  RecordNotFound: 404,
  ResourceNotFound: 404,
  PipelineNotFound: 404,
  RunNotFound: 404,
  RunCacheNotFound: 404,
  ScheduleNotFound: 404,
  TriggerNotFound: 404,
  WebhookNotFound: 404,

  MethodNotAllowed: 405,

  InternalError: 500,
} as const;

export type PfErrorCode = keyof typeof statusByCode;

/** The fixed texts PaddleFlow uses when a handler gives no message of its own. */
const defaultMessages: Partial<Record<PfErrorCode, string>> = {
  AccessDenied: 'Access denied',
  OnlyRootAllowed: 'Only root is allowed to do this',
  UserNameDuplicated: 'The user name is duplicated',
  MalformedJSON: 'The JSON you provided was not well-formed',
  InvalidURI: 'The URI you provided was invalid',
  InvalidMarker: 'The marker you provided was invalid',
  InvalidNamePattern: 'Invalid name pattern',
  UserNotExist: 'User not exist',
  UserPasswordWeak: 'Password is weak',
  AuthWithoutToken: 'Request should login first',
  AuthInvalidToken: 'Token is invalid or expired',
  AuthFailed: 'Username or password not correct',
  AuthIllegalUser: 'Request user is not allowed to act for another user',
  DuplicatedName: 'Name has existed. Duplicated name is not allowed',
  RecordNotFound: 'record not found',
  FileSystemNameFormatError: 'File system name must be letters and numbers',
  InvalidFileSystemParamsURL: 'File system url wrong.',
  InvalidFileSystemParamsProperties: 'File system properties wrong.',
  InvalidFileSystemFsName: 'File system fsName wrong.',
  InvalidLinkURL: 'Link url wrong.',
  InvalidLinkProperties: 'Link properties wrong.',
  LinkPathExist: 'Link path has exist',
  LinkFileSystemNotExist: 'Link file system not exist',
  LinkNotExist: 'Link is not exist',
  InternalError: 'Internal error',
};

export function statusOf(code: string): number {
  return (statusByCode as Record<string, number>)[code] ?? 500;
}

export class PfError extends Error {
  readonly code: PfErrorCode;
  readonly status: number;

  constructor(code: PfErrorCode, message?: string) {
    super(message || defaultMessages[code] || '');
    this.name = 'PfError';
    this.code = code;
    this.status = statusOf(code);
  }
}

export const isPfError = (error: unknown): error is PfError => error instanceof PfError;
