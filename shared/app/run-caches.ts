/** Run caches and artifact events (see core.ts): two small services over their own repositories. */

import { ArtifactEventService } from '../services/artifact-events.ts';
import { RunCacheService } from '../services/run-caches.ts';
import { ArtifactEventRepository } from '../store/artifact-events.ts';
import { RunCacheRepository } from '../store/run-caches.ts';
import { getTable } from './core.ts';

let caches: RunCacheService | undefined;
let events: ArtifactEventService | undefined;

export const runCacheService = () =>
  (caches ??= new RunCacheService({ caches: new RunCacheRepository(getTable()) }));

export const artifactEventService = () =>
  (events ??= new ArtifactEventService({ events: new ArtifactEventRepository(getTable()) }));
