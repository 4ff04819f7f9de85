import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InsightsQueryDto } from '@baton/contracts';
import { RpcClient } from '@baton/messaging';
import { RequiresPermission } from '../auth/requires-permission.decorator';

@ApiTags('insights')
@Controller('v1/insights')
export class InsightsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get(':workflow')
  @RequiresPermission('insights.read')
  @ApiOperation({
    summary:
      'Run counts and rates, run and step duration percentiles, the critical path and its bottleneck, failure hot spots ' +
      'and the predicted end of runs still going, over the window ending now; 404 for a workflow never registered',
  })
  get(@Param('workflow') workflow: string, @Query() query: InsightsQueryDto) {
    return this.rpc.call('baton.rpc.coordinator.insights', { workflow, window: query.window });
  }
}
