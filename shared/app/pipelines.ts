/** Pipelines and their versions (see core.ts). */
import { PipelineService } from '../services/pipelines.ts';
import { PipelineRepository } from '../store/pipelines.ts';
import { ScheduleRepository } from '../store/schedules.ts';
import { getTable } from './core.ts';
import { fileSystemService } from './filesystems.ts';

let pipelines: PipelineService | undefined;

export const pipelineService = () =>
  (pipelines ??= new PipelineService(
    new PipelineRepository(getTable()),
    fileSystemService(),
    new ScheduleRepository(getTable()),
  ));
