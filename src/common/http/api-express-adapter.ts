import { StreamableFile } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Response } from 'express';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Every handler result leaves through reply(), already wrapped in the envelope by the
 * EnvelopeInterceptor. It is written as JSON directly: Express's res.json/res.send would parse and
 * re-format the charset and run a freshness check for a body that is always fresh, per-caller JSON.
 * Handlers that take @Res() write their own responses (SSE, metrics) and never come here; errors go
 * through the exception filter.
 */
export class ApiExpressAdapter extends ExpressAdapter {
  override reply(response: Response, body: unknown, statusCode?: number) {
    if (body === undefined || body === null || body instanceof StreamableFile) return super.reply(response, body, statusCode);
    if (statusCode !== undefined && statusCode !== null) response.status(statusCode);
    if (!response.hasHeader('content-type')) response.setHeader('Content-Type', JSON_TYPE);
    // Node itself sends no body for HEAD, 204 and 304, and sets Content-Length from the string.
    return response.end(JSON.stringify(body));
  }
}
