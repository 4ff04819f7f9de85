import { Module } from '@nestjs/common';
import { TasksModule } from './tasks/tasks.module';

/** Stateless: no database, only NATS (provided by the runtime's MessagingModule). */
@Module({
  imports: [TasksModule],
})
export class ExecutorModule {}
