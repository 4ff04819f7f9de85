import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CancelRunDto, ListRunsQueryDto, PageQueryDto, SignalDto, StartRunDto } from '@baton/contracts';
import { RpcClient } from '@baton/messaging';
import type { Response } from 'express';
import { RequiresPermission } from '../auth/requires-permission.decorator';

@ApiTags('runs')
@Controller('v1/runs')
export class RunsController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @RequiresPermission('runs.start')
  @ApiOperation({ summary: 'Start a run: 201 with the run; 200 with the first run when the idempotencyKey was used before' })
  async start(@Body() body: StartRunDto, @Res({ passthrough: true }) response: Response) {
    const { created, run } = await this.rpc.call('baton.rpc.coordinator.start-run', {
      workflow: body.workflow,
      version: body.version,
      input: body.input ?? {},
      idempotencyKey: body.idempotencyKey,
    });
    response.status(created ? 201 : 200);
    return run;
  }

  @Post(':id/cancel')
  @RequiresPermission('runs.operate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a run: steps not finished are cancelled (compensating first when the definition asks); 409 if the run has ended',
  })
  cancel(@Param('id') id: string, @Body() body: CancelRunDto) {
    return this.rpc.call('baton.rpc.coordinator.operate-run', { id, operation: 'cancel', reason: body?.reason });
  }

  @Post(':id/retry')
  @RequiresPermission('runs.operate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a failed run from its failed steps, same run id; 409 unless the run failed without compensating' })
  retry(@Param('id') id: string) {
    return this.rpc.call('baton.rpc.coordinator.operate-run', { id, operation: 'retry' });
  }

  @Post(':id/pause')
  @RequiresPermission('runs.operate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause a running run: no new step starts; 409 unless running' })
  pause(@Param('id') id: string) {
    return this.rpc.call('baton.rpc.coordinator.operate-run', { id, operation: 'pause' });
  }

  @Post(':id/resume')
  @RequiresPermission('runs.operate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused run; 409 unless paused' })
  resume(@Param('id') id: string) {
    return this.rpc.call('baton.rpc.coordinator.operate-run', { id, operation: 'resume' });
  }

  @Post(':id/signals/:name')
  @RequiresPermission('runs.signal')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deliver a signal, e.g. the decision for the approval step named `name`; 409 if nothing waits for it' })
  signal(@Param('id') id: string, @Param('name') name: string, @Body() body: SignalDto) {
    return this.rpc.call('baton.rpc.coordinator.signal-run', {
      id,
      name,
      payload: { decision: body.decision, by: body.by, comment: body.comment },
    });
  }

  @Get()
  @RequiresPermission('runs.read')
  @ApiOperation({ summary: 'List runs, newest first; filter by workflow, status and parentRunId (the children of a run)' })
  list(@Query() query: ListRunsQueryDto) {
    return this.rpc.call('baton.rpc.coordinator.list-runs', query);
  }

  @Get(':id')
  @RequiresPermission('runs.read')
  @ApiOperation({ summary: 'A run with its steps and trace id' })
  get(@Param('id') id: string) {
    return this.rpc.call('baton.rpc.coordinator.get-run', { id });
  }

  @Get(':id/history')
  @RequiresPermission('runs.read')
  @ApiOperation({ summary: "A run's history, oldest first" })
  history(@Param('id') id: string, @Query() query: PageQueryDto) {
    return this.rpc.call('baton.rpc.coordinator.run-history', { id, limit: query.limit, cursor: query.cursor });
  }
}
