import { ConsoleLogger, INestApplication, Logger, LogLevel, VERSION_NEUTRAL, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { AppConfig } from './config/config';
import { ApiExpressAdapter } from './common/http/api-express-adapter';
import { answerClientErrors } from './common/http/client-error';
import { AppError } from './common/http/error-codes';
import { sendError } from './common/http/exception.filter';
import { jsonDepthAfterParse, jsonDepthBeforeParse } from './common/http/json-depth';
import { requestIdMiddleware } from './common/http/request-id';
import { installStatusOverride } from './common/http/status-override';
import { requestLogger } from './common/http/request-logger';
import { createValidationPipe } from './common/http/validation';
import { mountApiDocs } from './common/openapi/openapi';
import { MetricsService } from './metrics/metrics.service';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function createLogger(level: AppConfig['logLevel']): ConsoleLogger {
  return new ConsoleLogger({ json: true, logLevels: LEVELS.slice(0, LEVELS.indexOf(level) + 1) });
}

/** Builds the whole application (not listening yet): used by main.ts, the CLI and the e2e tests alike. */
export async function createApp(config: AppConfig, options: { logger?: ConsoleLogger | false } = {}): Promise<NestExpressApplication> {
  const logger = options.logger === undefined ? createLogger(config.logLevel) : options.logger;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new ApiExpressAdapter(), {
    bodyParser: false,
    logger,
    abortOnError: false,
  });
  if (config.jwtSecretGenerated) {
    new Logger('Config').warn(`JWT_SECRET is not set: using a generated development secret kept in ${config.dataDir}/jwt-secret`);
  }
  configureHttp(app, config);
  answerClientErrors(app.getHttpServer());
  mountApiDocs(app);
  await app.init();
  // Nest answers unknown routes under /api; anything else would get Express's HTML 404.
  const routeNotFound = new AppError('NOT_FOUND', 'Route not found');
  const errorLogger = new Logger('Errors');
  app.use((req: Request, res: Response) => sendError(req, res, routeNotFound, errorLogger));
  return app;
}

function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // Responses are per-caller JSON: a SHA-1 ETag over every body costs CPU and serves no cache.
  app.set('etag', false);
  app.use(requestIdMiddleware);
  installStatusOverride(app.getHttpAdapter().getInstance());
  app.use(requestLogger);
  if (config.metricsEnabled) app.use(app.get(MetricsService).middleware());
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Redoc renders its schema samples in a blob: worker.
          'worker-src': ["'self'", 'blob:'],
          // The docs must load over plain http too (a dev box on its LAN address); TLS is the proxy's job.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  if (config.corsOrigins !== false) {
    app.enableCors({
      origin: config.corsOrigins,
      exposedHeaders: ['X-Request-ID', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'],
    });
  }
  app.use(express.json({ limit: config.bodyLimit, verify: jsonDepthBeforeParse() }));
  app.use(jsonDepthAfterParse());
  // Body parser failures (malformed JSON, too large) happen before Nest's filters: answer them in the envelope here.
  const logger = new Logger('Errors');
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => sendError(req, res, error, logger));

  app.setGlobalPrefix('api', { exclude: ['metrics'] });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: [VERSION_NEUTRAL, '1'] });
  app.useGlobalPipes(createValidationPipe());
}

export type { INestApplication };
