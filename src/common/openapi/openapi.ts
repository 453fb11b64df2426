import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';

const DESCRIPTION = `Multi-tenant API of the Atom agent platform (reference API v8.0).

Every tenant is reached at \`https://<tenant>.<domain>/api\`, or on any host with the \`X-Tenant-ID\` header;
an API key carries its own tenant. \`/api/v1/...\` is an alias of every \`/api/...\` route listed here.

Responses are wrapped: \`{"success": true, "data": ..., "meta": {"timestamp", "request_id"}}\`
(lists add \`pagination\`), errors are \`{"success": false, "error": {"code", "message", "details"}, "meta"}\`.
Authenticated responses carry \`X-RateLimit-Limit\`, \`X-RateLimit-Remaining\` and \`X-RateLimit-Reset\` (Unix seconds).`;

/** The OpenAPI document, with each route once: the /api/v1 aliases that URI versioning adds are dropped. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Atom API')
    .setDescription(DESCRIPTION)
    .setVersion('8.0')
    .setLicense('Proprietary', 'https://atomagentos.com')
    .addServer('/', 'This host')
    .addSecurity('bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /api/auth/login' })
    .addSecurity('api_key', { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Tenant API key (atom_…)' })
    .addSecurity('platform_key', { type: 'apiKey', in: 'header', name: 'X-Platform-Key', description: 'Platform operator key (PLATFORM_ADMIN_KEY)' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    // Versioning makes every route an alias pair (methodKey "create[0]"); the /api/v1 half is dropped below.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey.replace(/\[\d+\]$/, '')}`,
  });
  for (const path of Object.keys(document.paths)) {
    if (path === '/api/v1' || path.startsWith('/api/v1/')) delete document.paths[path];
  }
  // Every operation states its security; open ones say so explicitly.
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
  return document;
}

const REDOC_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Atom API: Redoc</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/api/openapi.json"></redoc><script src="/api/redoc/redoc.standalone.js"></script></body>
</html>`;

/** /api/openapi.json, Swagger UI at /api/docs and Redoc at /api/redoc, all from local files (no CDN). */
export function mountApiDocs(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, {
    useGlobalPrefix: false,
    jsonDocumentUrl: 'api/openapi.json',
    yamlDocumentUrl: 'api/openapi.yaml',
    customSiteTitle: 'Atom API',
  });
  const redocBundle = readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'));
  const http = app.getHttpAdapter().getInstance();
  http.get('/api/redoc', (_req: Request, res: Response) => res.type('html').send(REDOC_PAGE));
  http.get('/api/redoc/redoc.standalone.js', (_req: Request, res: Response) =>
    res.type('application/javascript').setHeader('Cache-Control', 'public, max-age=86400').send(redocBundle),
  );
  return document;
}
