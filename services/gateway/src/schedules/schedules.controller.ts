import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { BackfillDto, ListSchedulesQueryDto } from '@baton/contracts';
import { RpcClient } from '@baton/messaging';
import { RequiresPermission } from '../auth/requires-permission.decorator';

@ApiTags('schedules')
@Controller('v1/schedules')
export class SchedulesController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @RequiresPermission('schedules.read')
  @ApiOperation({ summary: "Every schedule trigger of the workflows' latest versions, with its next fire time" })
  list(@Query() query: ListSchedulesQueryDto) {
    return this.rpc.call('baton.rpc.scheduler.list-schedules', { workflow: query.workflow });
  }

  @Post(':id/pause')
  @RequiresPermission('schedules.operate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop firing the schedule until it is resumed' })
  pause(@Param('id') id: string) {
    return this.rpc.call('baton.rpc.scheduler.operate-schedule', { id, operation: 'pause' });
  }

  @Post(':id/resume')
  @RequiresPermission('schedules.operate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Fire again, from the next fire time after now (fires due while paused are not made up)' })
  resume(@Param('id') id: string) {
    return this.rpc.call('baton.rpc.scheduler.operate-schedule', { id, operation: 'resume' });
  }

  @Post(':id/trigger')
  @RequiresPermission('schedules.operate')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a run of the schedule now; 202 with its run id' })
  trigger(@Param('id') id: string) {
    return this.rpc.call('baton.rpc.scheduler.fire-schedule', { id, mode: 'trigger' });
  }

  @Post(':id/backfill')
  @RequiresPermission('schedules.operate')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start one run per fire time of the schedule in [from, to] (at most 1000); a time that already fired gets no second run',
  })
  backfill(@Param('id') id: string, @Body() body: BackfillDto) {
    return this.rpc.call('baton.rpc.scheduler.fire-schedule', { id, mode: 'backfill', from: body.from, to: body.to });
  }
}
