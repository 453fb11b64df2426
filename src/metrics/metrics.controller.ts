import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Endpoint } from '../auth/endpoint.decorator';
import { AppError } from '../common/http/error-codes';
import { MetricsService } from './metrics.service';

/** GET /metrics (outside /api), Prometheus text format; 404 unless METRICS_ENABLED=true. */
@ApiExcludeController()
@Controller('metrics')
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
