import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CloudEventDto, PageQueryDto, RpcProblemError, Subjects, validatePlain, type CloudEvent } from '@baton/contracts';
import { JetStreamPublisher, RpcClient } from '@baton/messaging';
import { RequiresPermission } from '../auth/requires-permission.decorator';

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly rpc: RpcClient,
  ) {}

  /**
   * Publishes a CloudEvent to `baton.events.<type>`, exactly as a business system would on NATS.
   * Validated here (400 with paths) and published as received, extension attributes included.
   */
  @Post()
  @RequiresPermission('events.publish')
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish a trigger event (CloudEvents 1.0 JSON); 202 once JetStream has stored it' })
  async publish(@Body() body: unknown) {
    const validated = validatePlain(CloudEventDto, body);
    if (!validated.ok) throw RpcProblemError.invalid('not a valid CloudEvents 1.0 envelope', validated.errors);
    const event = body as CloudEvent;
    const ack = await this.publisher.publish(Subjects.event(event.type), event, { msgId: `${event.source}/${event.id}` });
    return { id: event.id, source: event.source, type: event.type, duplicate: ack.duplicate };
  }

  @Get('rejected')
  @RequiresPermission('events.read-rejected')
  @ApiOperation({ summary: 'Events that started nothing because they were malformed, newest first, with the reason' })
  rejected(@Query() query: PageQueryDto) {
    return this.rpc.call('baton.rpc.scheduler.rejected-events', { limit: query.limit, cursor: query.cursor });
  }
}
