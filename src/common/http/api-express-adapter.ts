import { StreamableFile } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Response } from 'express';
import { successBody } from './envelope';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Every handler result leaves through reply(): this is where it is wrapped in the success envelope
 * ({success, data, pagination?, meta}). Doing it here instead of in a global interceptor spares each
 * request an rxjs pipeline, and writing the JSON directly spares Express's res.json/res.send
 * (charset parsing, freshness check) for a body that is always fresh, per-caller JSON.
 * Handlers that take @Res() write their own responses (SSE, metrics) and never come here;
 * errors go through the exception filter.
 */
export class ApiExpressAdapter extends ExpressAdapter {
  override reply(response: Response, body: unknown, statusCode?: number) {
    if (body instanceof StreamableFile) return super.reply(response, body, statusCode);
    if (statusCode !== undefined && statusCode !== null) response.status(statusCode);
    const json = JSON.stringify(successBody(response.req, body));
    if (!response.hasHeader('content-type')) response.setHeader('Content-Type', JSON_TYPE);
    // Node itself sends no body for HEAD, 204 and 304, and sets Content-Length from the string.
    return response.end(json);
  }
}
