import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListRunsQueryDto, PageQueryDto, StartRunDto } from '@baton/contracts';
import { RpcClient } from '@baton/messaging';
import type { Response } from 'express';

@ApiTags('runs')
@Controller('v1/runs')
export class RunsController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
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

  @Get()
  @ApiOperation({ summary: 'List runs, newest first; filter by workflow and status' })
  list(@Query() query: ListRunsQueryDto) {
    return this.rpc.call('baton.rpc.coordinator.list-runs', query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A run with its steps and trace id' })
  get(@Param('id') id: string) {
    return this.rpc.call('baton.rpc.coordinator.get-run', { id });
  }

  @Get(':id/history')
  @ApiOperation({ summary: "A run's history, oldest first" })
  history(@Param('id') id: string, @Query() query: PageQueryDto) {
    return this.rpc.call('baton.rpc.coordinator.run-history', { id, limit: query.limit, cursor: query.cursor });
  }
}
