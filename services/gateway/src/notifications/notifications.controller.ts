import { Body, Controller, Delete, Get, Param, Put, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListDeliveriesQueryDto } from '@baton/contracts';
import { RpcClient } from '@baton/messaging';
import type { Response } from 'express';
import { RequiresPermission } from '../auth/requires-permission.decorator';

@ApiTags('notifications')
@Controller('v1/notifications')
export class NotificationsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('deliveries')
  @RequiresPermission('notifications.read')
  @ApiOperation({ summary: 'Notification deliveries, newest first, with their status, attempts and last error' })
  deliveries(@Query() query: ListDeliveriesQueryDto) {
    return this.rpc.call('baton.rpc.notifier.list-deliveries', {
      runId: query.runId,
      workflow: query.workflow,
      status: query.status,
      limit: query.limit,
      cursor: query.cursor,
    });
  }

  @Get('rules')
  @RequiresPermission('notifications.read')
  @ApiOperation({ summary: 'Global notification rules (they apply to every workflow, or to the ones they list)' })
  rules() {
    return this.rpc.call('baton.rpc.notifier.list-rules', {});
  }

  @Put('rules/:name')
  @RequiresPermission('notifications.manage-rules')
  @ApiOperation({ summary: 'Create (201) or replace (200) a global notification rule: {on, workflows?, webhook|chat|email|nats}' })
  async putRule(@Param('name') name: string, @Body() rule: unknown, @Res({ passthrough: true }) response: Response) {
    const { created, rule: saved } = await this.rpc.call('baton.rpc.notifier.put-rule', { name, rule });
    response.status(created ? 201 : 200);
    return saved;
  }

  @Delete('rules/:name')
  @RequiresPermission('notifications.manage-rules')
  @ApiOperation({ summary: 'Delete a global notification rule; 204' })
  async deleteRule(@Param('name') name: string, @Res({ passthrough: true }) response: Response) {
    await this.rpc.call('baton.rpc.notifier.delete-rule', { name });
    response.status(204);
  }
}
