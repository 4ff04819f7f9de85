import { Injectable } from '@nestjs/common';
import { Streams, Subjects, type BuiltinTaskType, type TaskDispatch } from '@baton/contracts';
import { OnJetStreamMessage, TerminalMessageError, type InboundMessage } from '@baton/messaging';
import { RunTaskUseCase } from './run-task.use-case';

const CONCURRENCY = 64;

/** JetStream consumers of the built-in task types: thin adapters from dispatches to {@link RunTaskUseCase}. */
@Injectable()
export class TaskDispatchHandler {
  constructor(private readonly runTask: RunTaskUseCase) {}

  @OnJetStreamMessage({
    stream: Streams.tasks,
    durable: 'executor-http',
    filterSubject: Subjects.task('http'),
    concurrency: CONCURRENCY,
  })
  onHttpTask(message: InboundMessage): Promise<void> {
    return this.handle('http', message);
  }

  @OnJetStreamMessage({
    stream: Streams.tasks,
    durable: 'executor-publish',
    filterSubject: Subjects.task('publish'),
    concurrency: CONCURRENCY,
  })
  onPublishTask(message: InboundMessage): Promise<void> {
    return this.handle('publish', message);
  }

  private async handle(taskType: BuiltinTaskType, message: InboundMessage): Promise<void> {
    const dispatch = message.json<unknown>();
    assertTaskDispatch(dispatch);
    await this.runTask.execute(taskType, dispatch);
  }
}

/** Without these fields no result could be addressed back to the run, so retrying is pointless. */
function assertTaskDispatch(value: unknown): asserts value is TaskDispatch {
  const dispatch = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const invalid = ['taskId', 'runId', 'stepId', 'idempotencyKey'].filter(
    (field) => typeof dispatch[field] !== 'string' || dispatch[field] === '',
  );
  if (!Number.isInteger(dispatch['attempt']) || Number(dispatch['attempt']) < 1) invalid.push('attempt');
  if (invalid.length > 0) throw new TerminalMessageError(`task dispatch has no valid ${invalid.join(', ')}`);
}
