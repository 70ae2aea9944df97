import { describe, expect, it } from 'vitest';
import { PfError } from '../../shared/errors.ts';
import { checkProperties, storageIdentity } from '../../shared/services/fs-properties.ts';
import { FS_SCHEMES, LINK_SCHEMES, parseStorageUrl, StorageSpecError } from '../../shared/services/fs-url.ts';
import {
  describeFileSystem,
  describeLink,
  normaliseFsPath,
  pathsNest,
  validateFsName,
} from '../../shared/services/fs-validation.ts';

const fsUrl = (url: string) => parseStorageUrl(url, FS_SCHEMES, 'file-system');

function failure(fn: () => unknown): { code?: string; part?: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof PfError) return { code: error.code, message: error.message };
    if (error instanceof StorageSpecError) return { part: error.part, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('storage URLs', () => {
  it.each([
    [
      'hdfs://192.168.1.1:9000,192.168.1.2:9000/data/x',
      'hdfs',
      '192.168.1.1:9000,192.168.1.2:9000',
      '/data/x',
    ],
    ['hdfs://ns1/', 'hdfs', 'ns1', '/'],
    ['sftp://10.0.0.1:22/home/me', 'sftp', '10.0.0.1:22', '/home/me'],
    ['cfs://cfs.example.com/vol/a', 'cfs', 'cfs.example.com', '/vol/a'],
    ['afs://afs.example.com:9902/user/x', 'afs', 'afs://afs.example.com:9902', '/user/x'],
    ['s3://bucket', 's3', '', '/'],
    ['s3://bucket/sub/dir', 's3', '', '/sub/dir'],
    ['bos://bucket/sub', 'bos', '', '/sub'],
    ['glusterfs://10.0.0.5:gv0', 'glusterfs', '10.0.0.5', 'gv0'],
  ])('reads %s as PaddleFlow does', (url, scheme, serverAddress, subPath) => {
    expect(fsUrl(url)).toMatchObject({ scheme, serverAddress, subPath });
  });

  it('takes the bucket of s3 and bos from the URL', () => {
    expect(fsUrl('s3://my-bucket/a').bucket).toBe('my-bucket');
    expect(fsUrl('bos://b2').bucket).toBe('b2');
  });

  it.each([
    ['local://tmp/x', '/tmp/x'],
    ['local:///tmp/x', '/tmp/x'],
    ['local:///tmp/x/', '/tmp/x'],
    ['local://tmp/./a/../x', '/tmp/x'],
    ['mock://pvc-data/sub', '/pvc-data/sub'],
  ])('reads the local path of %s as %s', (url, subPath) => {
    expect(fsUrl(url)).toMatchObject({ serverAddress: '', subPath });
  });

  it.each([
    ['local://', 'local path can not be empty'],
    ['local:///', 'local path can not be empty'],
    ['local://tmp/..', 'local path can not be empty'],
    ['local://root', 'under /root'],
    ['local:///root/data', 'under /root'],
    ['local:/tmp/x', 'local url format is wrong'],
    ['hdfs://ns1', 'hdfs url format is wrong'],
    ['hdfs:///data', 'hdfs url format is wrong'],
    ['hdfs:ns1/a/b/c', 'hdfs url format is wrong'],
    ['sftp://host', 'sftp url format is wrong'],
    ['s3://', 's3 must appoint bucket'],
    ['s3:///sub', 's3 must appoint bucket'],
    ['glusterfs://10.0.0.5', 'glusterfs url format is wrong'],
    ['nfs://server/x', 'can not support [nfs] file system'],
    ['/tmp/x', 'is not a correct file-system url'],
    ['', 'is not a correct file-system url'],
  ])('refuses %j: %s', (url, why) => {
    const { part, message } = failure(() => fsUrl(url));
    expect(part).toBe('url');
    expect(message).toMatch(/^Field\[url\] is invalid, /);
    expect(message).toContain(why);
  });

  it('lets links use only hdfs, local, s3, sftp and cfs', () => {
    expect(failure(() => parseStorageUrl('bos://b', LINK_SCHEMES, 'link')).message).toContain(
      'link can not support [bos] file system',
    );
    expect(parseStorageUrl('local://tmp/l', LINK_SCHEMES, 'link').subPath).toBe('/tmp/l');
  });
});

describe('efs URLs', () => {
  it.each([
    ['efs://fs-0123456789abcdef0', 'fs-0123456789abcdef0', '/'],
    ['efs://fs-0123456789abcdef0/', 'fs-0123456789abcdef0', '/'],
    ['efs://fs-01234567/data/x', 'fs-01234567', '/data/x'],
    ['efs://fs-01234567/data/x/', 'fs-01234567', '/data/x'],
    ['efs://fs-01234567//data/./y/../x', 'fs-01234567', '/data/x'],
    ['efs://fs-01234567/../x', 'fs-01234567', '/x'],
  ])('reads %s: file system %s, path %s', (url, serverAddress, subPath) => {
    expect(fsUrl(url)).toEqual({ scheme: 'efs', serverAddress, subPath });
  });

  it.each([
    ['efs://', 'efs must appoint a file system; expected efs://<file-system-id>[/<path>]'],
    ['efs:///data', 'efs must appoint a file system'],
    ['efs:fs-01234567/data', 'efs url format is wrong; expected efs://<file-system-id>[/<path>]'],
    ['efs://fs-0123/data', 'efs file system id [fs-0123] is wrong; expected fs- and 8 or 17 hex digits'],
    ['efs://fs-0123456789abcdef/x', 'efs file system id [fs-0123456789abcdef] is wrong'],
    ['efs://fs-0123456789ABCDEF0', 'efs file system id [fs-0123456789ABCDEF0] is wrong'],
    ['efs://fsap-0123456789abcdef0', 'efs file system id [fsap-0123456789abcdef0] is wrong'],
    ['efs://my-data/x', 'efs file system id [my-data] is wrong'],
  ])('refuses %j: %s', (url, why) => {
    const { part, message } = failure(() => fsUrl(url));
    expect(part).toBe('url');
    expect(message).toMatch(/^Field\[url\] is invalid, /);
    expect(message).toContain(why);
  });

  it('makes an fs of type efs, its server address the file system, with no properties needed', () => {
    expect(describeFileSystem('efs://fs-0123456789abcdef0/ml', {})).toEqual({
      type: 'efs',
      serverAddress: 'fs-0123456789abcdef0',
      subPath: '/ml',
      properties: {},
    });
    expect(failure(() => describeFileSystem('efs://fs-1/ml', {})).code).toBe('InvalidFileSystemParamsURL');
  });

  it('is no link', () => {
    const { code, message } = failure(() => describeLink('efs://fs-0123456789abcdef0/x', {}));
    expect(code).toBe('InvalidLinkURL');
    expect(message).toContain('link can not support [efs] file system');
    expect(LINK_SCHEMES).not.toContain('efs');
  });
});

describe('properties per scheme', () => {
  const props = (url: string, p: Record<string, string>, link = false) =>
    checkProperties(fsUrl(url), p, link);
  const problem = (url: string, p: Record<string, string>, link = false) =>
    failure(() => props(url, p, link));

  it('s3 needs accessKey, secretKey and endpoint; gains bucket and an empty region', () => {
    expect(props('s3://bk/x', { accessKey: 'ak', secretKey: 'sk', endpoint: 'e:9000' })).toEqual({
      accessKey: 'ak',
      secretKey: 'sk',
      endpoint: 'e:9000',
      bucket: 'bk',
      region: '',
    });
    expect(problem('s3://bk', { accessKey: 'ak', endpoint: 'e' }).message).toBe(
      'Field[properties] is invalid, key accessKey or secretKey is empty',
    );
    expect(problem('s3://bk', { accessKey: 'ak', secretKey: 'sk' }).message).toContain('key[endpoint]');
  });

  it('hdfs needs user and group, or complete kerberos keys; adds the namenode address', () => {
    expect(props('hdfs://nn:9000/x', { user: 'u', group: 'g' })['dfs.namenode.address']).toBe('nn:9000');
    expect(problem('hdfs://nn/x', { user: 'u' }).message).toContain('key[group]');
    expect(problem('hdfs://nn/x', {}).message).toContain('hdfs needs key[user] and key[group]');
    const kerberos = {
      'kerberos.keytab.data': Buffer.from('keytab').toString('base64'),
      'kerberos.principal': 'me@EXAMPLE.COM',
      'kerberos.kdc': 'kdc.example.com:88,kdc2.example.com',
      'kerberos.realm': 'EXAMPLE.COM',
      'kerberos.namenode.principal': 'nn/host@EXAMPLE.COM',
    };
    const checked = props('hdfs://nn/x', kerberos);
    expect(storageIdentity(fsUrl('hdfs://nn/x'), checked).type).toBe('hdfsWithKerberos');
    expect(problem('hdfs://nn/x', { ...kerberos, 'kerberos.keytab.data': 'not base64!' }).message).toContain(
      'must be base64',
    );
    expect(problem('hdfs://nn/x', { ...kerberos, 'kerberos.kdc': 'no_dots' }).message).toContain(
      'kerberos.kdc',
    );
    expect(problem('hdfs://nn/x', { ...kerberos, 'kerberos.realm': 'OTHER.ORG' }).message).toContain(
      'must end with the realm',
    );
  });

  it('sftp needs user and password; afs username and password; mock pvc and namespace', () => {
    expect(problem('sftp://h:22/x', { user: 'u' }).message).toContain('key[password]');
    expect(problem('afs://h:1/x', { password: 'p' }).message).toContain('key[username]');
    expect(problem('mock://x', { pvc: 'p' }).message).toContain('key[namespace]');
    expect(props('mock://x', { pvc: 'p', namespace: 'n' })).toEqual({ pvc: 'p', namespace: 'n' });
  });

  it('bos temporary credentials: duration raised to 60, capped at 129600, a number', () => {
    const base = { accessKey: 'ak', secretKey: 'sk', endpoint: 'e', sts: 'true' };
    expect(props('bos://b', { ...base, duration: '10' }).duration).toBe('60');
    expect(props('bos://b', base).duration).toBe('60');
    expect(props('bos://b', { ...base, duration: '3600' }).duration).toBe('3600');
    expect(problem('bos://b', { ...base, duration: '129601' }).message).toContain('at most 129600');
    expect(problem('bos://b', { ...base, duration: 'soon' }).message).toContain('whole number');
  });

  it('fileMode and dirMode must be integers, for any scheme', () => {
    expect(problem('local://tmp/x', { fileMode: 'rw' }).message).toContain(
      'key[fileMode] must be an integer',
    );
    expect(problem('cfs://h/x', { dirMode: '0.5' }).message).toContain('key[dirMode]');
    expect(props('local://tmp/x', { fileMode: '644', dirMode: '755' })).toEqual({
      fileMode: '644',
      dirMode: '755',
    });
  });

  it('a local link must say debug: "true"; a local fs need not', () => {
    expect(props('local://tmp/x', {})).toEqual({});
    expect(problem('local://tmp/x', {}, true).message).toBe(
      'Field[debug] is invalid, properties key[debug] must true',
    );
    expect(props('local://tmp/x', { debug: 'true' }, true)).toEqual({ debug: 'true' });
  });

  it('refuses properties too large to store', () => {
    expect(problem('local://tmp/x', { big: 'x'.repeat(70 * 1024) }).message).toContain('at most 64 KB');
  });

  it('s3 and bos take their server address from the endpoint', () => {
    const url = fsUrl('s3://bk/sub');
    expect(storageIdentity(url, { endpoint: 's3.example.com' })).toEqual({
      type: 's3',
      serverAddress: 's3.example.com',
      subPath: '/sub',
    });
  });
});

describe('fs and link validation codes', () => {
  it.each([
    ['', 'must be 1 to 63'],
    ['has space', 'must be 1 to 63'],
    ['a'.repeat(64), 'must be 1 to 63'],
    ['ünicode', 'must be 1 to 63'],
  ])('refuses fs name %j with FileSystemNameFormatError', (name, why) => {
    const { code, message } = failure(() => validateFsName('alice', name));
    expect(code).toBe('FileSystemNameFormatError');
    expect(message).toContain('Field[name]');
    expect(message).toContain(why);
  });

  it('allows username and fs name to add up to 59 characters, and no more', () => {
    expect(() => validateFsName('u'.repeat(16), 'n'.repeat(43))).not.toThrow();
    const { code, message } = failure(() => validateFsName('u'.repeat(16), 'n'.repeat(44)));
    expect(code).toBe('FileSystemNameFormatError');
    expect(message).toContain('at most 59');
    expect(() => validateFsName('alice', 'My_fs-01')).not.toThrow();
  });

  it('answers an fs URL problem with InvalidFileSystemParamsURL, a properties one with ...Properties', () => {
    expect(failure(() => describeFileSystem('ftp://x/y', {})).code).toBe('InvalidFileSystemParamsURL');
    expect(failure(() => describeFileSystem('sftp://h/x', {})).code).toBe(
      'InvalidFileSystemParamsProperties',
    );
  });

  it('answers a link URL problem with InvalidLinkURL, a properties one with InvalidLinkProperties', () => {
    expect(failure(() => describeLink('mock://x', {})).code).toBe('InvalidLinkURL');
    expect(failure(() => describeLink('local://tmp/x', {})).code).toBe('InvalidLinkProperties');
  });

  it.each([
    ['data/x', '/data/x'],
    ['/data/x/', '/data/x'],
    ['//data//x', '/data/x'],
    ['/data/./x', '/data/x'],
  ])('normalises link path %j to %j', (raw, path) => {
    expect(normaliseFsPath(raw)).toBe(path);
  });

  it.each([
    ['', 'fsPath is required'],
    [undefined, 'fsPath is required'],
    ['/', 'can not be the root'],
    ['/a/../b', 'must not contain ..'],
  ])('refuses link path %j with InvalidLinkURL', (raw, why) => {
    const { code, message } = failure(() => normaliseFsPath(raw));
    expect(code).toBe('InvalidLinkURL');
    expect(message).toContain('Field[fsPath]');
    expect(message).toContain(why);
  });

  it('sees nesting and duplication of link paths, and nothing else', () => {
    expect(pathsNest('/a', '/a')).toBe(true);
    expect(pathsNest('/a', '/a/b')).toBe(true);
    expect(pathsNest('/a/b/c', '/a')).toBe(true);
    expect(pathsNest('/a', '/ab')).toBe(false);
    expect(pathsNest('/a/b', '/a/c')).toBe(false);
  });
});
