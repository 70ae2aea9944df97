/**
 * The properties each storage scheme needs (PaddleFlow's `checkProperties` / `checkLinkProperties`,
 * reference/paddleflow.md §7.5), and what PaddleFlow adds to them: the bucket from an s3/bos URL, an empty
 * `region`, `dfs.namenode.address` for hdfs. Pure; secrets are sealed afterwards by the caller.
 */
import { invalidField, type ParsedStorageUrl } from './fs-url.ts';

export type Properties = Record<string, string>;

/** Properties PaddleFlow stores encrypted, plus the kerberos keytab, which is a credential too. */
export const SECRET_PROPERTIES = ['secretKey', 'password', 'kerberos.keytab.data'] as const;

/** Large enough for a kerberos keytab; small enough to keep an item well under DynamoDB's 400 KB. */
export const MAX_PROPERTIES_BYTES = 64 * 1024;

const STS_MIN_SECONDS = 60;
const STS_MAX_SECONDS = 129_600;

/** A host, or host:port, per PaddleFlow's `IPDomainOrIPDomainPortPattern`. */
const HOST_PORT =
  /^([a-zA-Z0-9][-a-zA-Z0-9]{0,62}(\.[a-zA-Z0-9][-a-zA-Z0-9]{0,62})+)(:([1-9]|[1-9]\d{1,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/;

const bad = (why: string) => invalidField('properties', 'properties', why);

function required(properties: Properties, ...keys: string[]) {
  for (const key of keys) {
    if (!properties[key]) throw bad(`key[${key}] cannot be empty`);
  }
}

function checkKerberos(p: Properties) {
  required(p, 'kerberos.principal', 'kerberos.keytab.data');
  const keytab = p['kerberos.keytab.data']!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(keytab) || keytab.length % 4 !== 0) {
    throw bad('key[kerberos.keytab.data] must be base64');
  }
  required(p, 'kerberos.kdc');
  for (const kdc of p['kerberos.kdc']!.split(',')) {
    if (!HOST_PORT.test(kdc)) throw bad(`key[kerberos.kdc] must be host or host:port items, got [${kdc}]`);
  }
  required(p, 'kerberos.namenode.principal', 'kerberos.realm');
  const principal = p['kerberos.namenode.principal']!;
  const realm = p['kerberos.realm']!;
  if (principal.includes('@') && !principal.endsWith(`@${realm}`)) {
    throw bad(`key[kerberos.namenode.principal] must end with the realm [@${realm}]`);
  }
}

function checkS3Like(p: Properties, url: ParsedStorageUrl) {
  if (!p.accessKey || !p.secretKey) throw bad('key accessKey or secretKey is empty');
  required(p, 'endpoint');
  p.bucket = url.bucket!;
  p.region ??= '';
}

/** bos temporary credentials: PaddleFlow raises a duration under a minute to one; over 36 h is refused. */
function checkSts(p: Properties) {
  if (p.sts !== 'true') return;
  const raw = p.duration ?? '';
  if (raw !== '' && !/^\d+$/.test(raw))
    throw bad(`key[duration] must be a whole number of seconds, got [${raw}]`);
  const seconds = raw === '' ? 0 : Number(raw);
  if (seconds > STS_MAX_SECONDS) {
    throw bad(`key[duration] must be at most ${STS_MAX_SECONDS} seconds, got [${raw}]`);
  }
  if (seconds < STS_MIN_SECONDS) p.duration = String(STS_MIN_SECONDS);
}

/**
 * Validates `properties` for a URL and returns them as they are stored (a new object). `link` applies the
 * link rules: a local link is only for debugging and must say so with `debug: "true"`.
 */
export function checkProperties(url: ParsedStorageUrl, given: Properties, link = false): Properties {
  const p: Properties = { ...given };
  if (Buffer.byteLength(JSON.stringify(p)) > MAX_PROPERTIES_BYTES) {
    throw bad(`properties must be at most ${MAX_PROPERTIES_BYTES / 1024} KB of JSON`);
  }
  for (const key of ['fileMode', 'dirMode']) {
    if (p[key] && !/^[+-]?\d+$/.test(p[key])) throw bad(`key[${key}] must be an integer, got [${p[key]}]`);
  }
  switch (url.scheme) {
    case 'hdfs':
      if (p['kerberos.keytab.data']) checkKerberos(p);
      else if (p.user) required(p, 'group');
      else throw bad('hdfs needs key[user] and key[group], or the kerberos.* keys');
      p['dfs.namenode.address'] = url.serverAddress;
      break;
    case 's3':
      checkS3Like(p, url);
      break;
    case 'bos':
      checkS3Like(p, url);
      checkSts(p);
      break;
    case 'sftp':
      required(p, 'user', 'password');
      break;
    case 'afs':
      required(p, 'username', 'password');
      break;
    case 'mock':
      required(p, 'pvc', 'namespace');
      break;
    case 'local':
      if (link && p.debug !== 'true')
        throw invalidField('properties', 'debug', 'properties key[debug] must true');
      break;
    case 'cfs':
    case 'glusterfs':
    // An efs fs needs no credential: the step task role is granted the file system (see executor-profile.ts).
    case 'efs':
      break;
  }
  return p;
}

/**
 * What PaddleFlow calls the type: the scheme, except that hdfs with a keytab is `hdfsWithKerberos`.
 * s3 and bos have the endpoint for a server address.
 */
export function storageIdentity(url: ParsedStorageUrl, properties: Properties) {
  const kerberos = url.scheme === 'hdfs' && Boolean(properties['kerberos.keytab.data']);
  return {
    type: kerberos ? 'hdfsWithKerberos' : url.scheme,
    serverAddress:
      url.scheme === 's3' || url.scheme === 'bos' ? (properties.endpoint ?? '') : url.serverAddress,
    subPath: url.subPath,
  };
}
