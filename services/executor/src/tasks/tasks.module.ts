import { Module } from '@nestjs/common';
import { HttpTaskRunner } from './http.task-runner';
import { PublishTaskRunner } from './publish.task-runner';
import { RunTaskUseCase } from './run-task.use-case';
import { TaskDispatchHandler } from './task-dispatch.handler';
import { TASK_RUNNERS, type TaskRunner } from './task-runner';

@Module({
  providers: [
    HttpTaskRunner,
    PublishTaskRunner,
    {
      provide: TASK_RUNNERS,
      inject: [HttpTaskRunner, PublishTaskRunner],
      useFactory: (...runners: TaskRunner[]): TaskRunner[] => runners,
    },
    RunTaskUseCase,
    TaskDispatchHandler,
  ],
})
export class TasksModule {}
