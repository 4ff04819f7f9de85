import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '@baton/contracts';
import { RpcClient } from '@baton/messaging';
import { RequiresPermission } from '../auth/requires-permission.decorator';
import { EventPublishing } from './event-publishing';

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly events: EventPublishing,
    private readonly rpc: RpcClient,
  ) {}

  /** Published as received, extension attributes included, once valid (400 with paths otherwise). */
  @Post()
  @RequiresPermission('events.publish')
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish a trigger event (CloudEvents 1.0 JSON); 202 once JetStream has stored it' })
  publish(@Body() body: unknown) {
    return this.events.publish(body);
  }

  @Get('rejected')
  @RequiresPermission('events.read-rejected')
  @ApiOperation({ summary: 'Events that started nothing because they were malformed, newest first, with the reason' })
  rejected(@Query() query: PageQueryDto) {
    return this.rpc.call('baton.rpc.scheduler.rejected-events', { limit: query.limit, cursor: query.cursor });
  }
}
