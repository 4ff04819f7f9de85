import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { renderMetrics } from '@baton/telemetry';
import type { Response } from 'express';

/** Prometheus scrape endpoint: every metric of this process (all six services in the all-in-one). */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    const { contentType, body } = await renderMetrics();
    response.type(contentType).send(body);
  }
}
