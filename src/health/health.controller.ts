import { Controller, Get } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Endpoint } from '../auth/endpoint.decorator';
import { AppError } from '../common/http/error-codes';
import { RedisConnection } from '../database/redis';

class DependencyStatusDto {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
  @ApiProperty({ example: 1.2 }) latency_ms: number;
}

class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty({ type: DependencyStatusDto }) database: DependencyStatusDto;
  @ApiPropertyOptional({ type: DependencyStatusDto, description: 'Present when REDIS_URL is set' }) redis?: DependencyStatusDto;
  @ApiProperty({ example: 123.4 }) uptime_s: number;
}

async function timed(check: () => Promise<boolean>): Promise<DependencyStatusDto> {
  const started = performance.now();
  const up = await check().catch(() => false);
  return { status: up ? 'up' : 'down', latency_ms: Math.round((performance.now() - started) * 10) / 10 };
}

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisConnection,
  ) {}

  @Get()
  @Endpoint({
    summary: 'Service health',
    description: 'Database (and Redis when configured). No authentication, not rate limited. 503 when a dependency is down.',
    access: 'open',
    response: HealthDto,
    errors: ['SERVICE_UNAVAILABLE'],
  })
  async check(): Promise<HealthDto> {
    const database = await timed(async () => (await this.dataSource.query('SELECT 1 AS ok'))[0]?.ok === 1);
    const redis = this.redis.client ? await timed(() => this.redis.ping()) : undefined;
    const body: HealthDto = { status: 'ok', database, ...(redis ? { redis } : {}), uptime_s: Math.round(process.uptime() * 10) / 10 };
    if (database.status === 'down' || redis?.status === 'down') {
      throw new AppError('SERVICE_UNAVAILABLE', 'A dependency is down', { ...body, status: 'degraded' });
    }
    return body;
  }
}
