import { Injectable } from '@nestjs/common';
import type { RpcReplyValue, RpcRequest } from '@baton/contracts';
import { RpcHandler } from '@baton/messaging';
import { InsightsService } from './insights.service';

@Injectable()
export class InsightsRpcHandler {
  constructor(private readonly insights: InsightsService) {}

  @RpcHandler('baton.rpc.coordinator.insights')
  get(request: RpcRequest<'baton.rpc.coordinator.insights'>): Promise<RpcReplyValue<'baton.rpc.coordinator.insights'>> {
    return this.insights.insights(request.workflow, request.window);
  }
}
