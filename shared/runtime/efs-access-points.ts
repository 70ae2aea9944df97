/**
 * EFS access points of step volumes: one per (file system, path), created with a ClientToken derived from both
 * so that a repeated create finds the same one, and waited for until `available` before a task definition
 * names it.
 */
import { CreateAccessPointCommand, DescribeAccessPointsCommand, EFSClient } from '@aws-sdk/client-efs';
import { sha256Hex } from '../engine/run/ids.ts';
import { traced } from '../observability/tracer.ts';
import { shared } from './promise-cache.ts';

let efs: EFSClient | undefined;
/** One client per container, made on first use. */
const efsClient = () => (efs ??= traced(new EFSClient({})));

/** How long an access point may stay `creating` before placement gives up (they take seconds). */
const ACCESS_POINT_POLLS = 30;
const ACCESS_POINT_POLL_MS = 1000;

export class EfsAccessPoints {
  /** ClientToken → access point id; the promise, so concurrent placements share one creation. */
  private readonly accessPoints = new Map<string, Promise<string>>();

  /** `sleep`: the wait between polls of an access point still being created (tests pass a quick one). */
  constructor(private readonly sleep: (ms: number) => Promise<void>) {}

  /** The access point on `path` of the file system, created on first use and waited for until `available`. */
  of(fileSystemId: string, path: string): Promise<string> {
    // 64 hex: EFS takes a token of up to 64 ASCII characters.
    const token = sha256Hex(JSON.stringify([fileSystemId, path]));
    return shared(this.accessPoints, token, async () =>
      this.whenAvailable(await createAccessPoint(fileSystemId, path, token)),
    );
  }

  /** Polls a `creating` access point until it is `available` (bounded); an unknown state is looked up at once. */
  private async whenAvailable(accessPoint: { id: string; state?: string }): Promise<string> {
    let state = accessPoint.state;
    for (let poll = 0; ; poll++) {
      if (state === 'available') return accessPoint.id;
      if (state !== undefined && state !== 'creating') {
        throw new Error(`EFS access point ${accessPoint.id} is ${state}, not available`);
      }
      if (poll === ACCESS_POINT_POLLS) {
        throw new Error(
          `EFS access point ${accessPoint.id} is still creating after ${ACCESS_POINT_POLLS} polls`,
        );
      }
      if (state === 'creating') await this.sleep(ACCESS_POINT_POLL_MS);
      const { AccessPoints } = await efsClient().send(
        new DescribeAccessPointsCommand({ AccessPointId: accessPoint.id }),
      );
      state = AccessPoints?.[0]?.LifeCycleState ?? 'missing';
    }
  }
}

/**
 * Creates the access point for the token. EFS answers a new one with its description, `creating`; a create
 * that repeats a token EFS has seen is refused with AccessPointAlreadyExists, which names the existing access
 * point (its state then unknown until described). Should the refusal not name it, it is found by its token.
 */
async function createAccessPoint(
  fileSystemId: string,
  path: string,
  token: string,
): Promise<{ id: string; state?: string }> {
  try {
    const created = await efsClient().send(
      new CreateAccessPointCommand({
        ClientToken: token,
        FileSystemId: fileSystemId,
        // EFS makes the directory on first mount when it is missing: owned by root, like a fresh PaddleFlow fs.
        RootDirectory: { Path: path, CreationInfo: { OwnerUid: 0, OwnerGid: 0, Permissions: '755' } },
        Tags: [{ Key: 'floe:component', Value: 'step-volume' }],
      }),
    );
    if (!created.AccessPointId)
      throw new Error(`EFS created an access point on ${fileSystemId} without an id`);
    return { id: created.AccessPointId, state: created.LifeCycleState };
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'AccessPointAlreadyExists') throw error;
    const id = (error as { AccessPointId?: string }).AccessPointId;
    return { id: id || (await accessPointByToken(fileSystemId, token)) };
  }
}

async function accessPointByToken(fileSystemId: string, token: string): Promise<string> {
  let NextToken: string | undefined;
  do {
    const page = await efsClient().send(
      new DescribeAccessPointsCommand({ FileSystemId: fileSystemId, NextToken }),
    );
    const found = page.AccessPoints?.find((point) => point.ClientToken === token);
    if (found?.AccessPointId) return found.AccessPointId;
    NextToken = page.NextToken;
  } while (NextToken);
  throw new Error(
    `EFS says an access point on ${fileSystemId} has client token ${token}, but none is listed`,
  );
}
