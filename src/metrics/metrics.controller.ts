import { Controller, Get, Header, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Endpoint } from '../auth/endpoint.decorator';
import { AppError } from '../common/http/error-codes';
import { MetricsService } from './metrics.service';

/**
 * GET /metrics (outside /api), Prometheus text format; 404 unless METRICS_ENABLED=true. Version-neutral:
 * the /v1 alias is for the API, not for the scrape endpoint.
 */
@ApiExcludeController()
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Endpoint({ summary: 'Prometheus metrics', access: 'open' })
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    if (!this.metrics.config.metricsEnabled) throw new AppError('NOT_FOUND', 'Route not found');
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
