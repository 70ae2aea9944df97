/**
 * The Dispatcher in AWS: each node attempt is one execution of the NodeMachine (`FLOE_NODE_MACHINE_ARN`),
 * named `executionName(run, key, attempt)`. Execution names are unique per state machine for 90 days, so a
 * repeated dispatch is refused (`ExecutionAlreadyExists`) and is a no-op. A kill stops the execution; Step
 * Functions stops its ECS task, and the ABORTED status change reaches the mailbox through EventBridge as
 * `finished` / `terminated` (functions/node-events).
 *
 * A container step's execution also carries where its ECS task runs (task definition, network, `startedBy`),
 * which the placer works out before the start; lambda, http and waiting steps run no task and carry none.
 */
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { executionName } from '../engine/run/index.ts';
import type { JobSpec } from '../engine/run/model.ts';
import { executorOf, toMachineInput } from '../machines/node-machine.ts';
import { traced } from '../observability/tracer.ts';
import { ecsContainerPlacer } from './ecs-container-placer.ts';
import { requiredEnv } from './env.ts';
import type { ContainerPlacer, Dispatcher } from './ports.ts';

let client: SFNClient | undefined;
/** One client per container, made on first use. */
const sfnClient = () => (client ??= traced(new SFNClient({})));

const STATE_MACHINE_ARN = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:([^:]+)$/;

/** `arn:…:stateMachine:X` and a name → `arn:…:execution:X:<name>`. */
export function executionArn(stateMachineArn: string, name: string): string {
  const match = STATE_MACHINE_ARN.exec(stateMachineArn);
  if (!match) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return `${match[1]}:execution:${match[2]}:${name}`;
}

const isError = (error: unknown, name: string) => error instanceof Error && error.name === name;

export class AwsDispatcher implements Dispatcher {
  /**
   * `stateMachineArn` defaults to `FLOE_NODE_MACHINE_ARN`, read at the first call; `placer` to the
   * container's ECS placer (its task definition registry).
   */
  constructor(
    private readonly stateMachineArn?: string,
    private readonly placer?: ContainerPlacer,
  ) {}

  private machineArn(): string {
    return this.stateMachineArn ?? requiredEnv('FLOE_NODE_MACHINE_ARN');
  }

  async dispatch(job: JobSpec): Promise<void> {
    const stateMachineArn = this.machineArn();
    const input =
      executorOf(job) === 'container'
        ? toMachineInput(job, await (this.placer ?? ecsContainerPlacer()).placementOf(job))
        : toMachineInput(job);
    try {
      await sfnClient().send(
        new StartExecutionCommand({
          stateMachineArn,
          name: executionName(job.runId, job.key, job.attempt),
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if (!isError(error, 'ExecutionAlreadyExists')) throw error;
    }
  }

  async kill(runId: string, key: string, attempt: number): Promise<void> {
    try {
      await sfnClient().send(
        new StopExecutionCommand({
          executionArn: executionArn(this.machineArn(), executionName(runId, key, attempt)),
          error: 'Floe.Killed',
          cause: 'the node was stopped',
        }),
      );
    } catch (error) {
      if (!isError(error, 'ExecutionDoesNotExist')) throw error;
    }
  }
}
