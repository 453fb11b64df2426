import { applyDecorators, HttpCode, SetMetadata, Type } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors } from '../common/openapi/envelope-schemas';
import type { ErrorCode } from '../common/http/error-codes';
import { ACCESS_KEY, AccessKind } from './access';
import type { Role } from './principal';

export interface EndpointOptions {
  summary: string;
  description?: string;
  access?: AccessKind;
  /** Lowest role allowed (tenant routes). */
  role?: Role;
  status?: number;
  response?: Type<unknown> | null;
  list?: boolean;
  /** Errors this route adds to the ones its access kind always brings. */
  errors?: ErrorCode[];
  /**
   * A Server-Sent Events route: the success is `text/event-stream` (not the envelope) and this is its
   * description. Errors before the stream starts are still the JSON envelope.
   */
  stream?: string;
  /** Accept the access token as an `access_token` query parameter too (see AccessRule.queryToken). */
  queryToken?: boolean;
}

const ACCESS_ERRORS: Record<AccessKind, ErrorCode[]> = {
  tenant: ['UNAUTHORIZED', 'FORBIDDEN', 'TENANT_NOT_FOUND', 'RATE_LIMIT_EXCEEDED'],
  'tenant-public': ['INVALID_INPUT', 'FORBIDDEN', 'TENANT_NOT_FOUND', 'RATE_LIMIT_EXCEEDED'],
  platform: ['UNAUTHORIZED', 'NOT_FOUND'],
  open: [],
};

/**
 * One decorator carries a route's access rule and its OpenAPI description together, so a route
 * cannot be documented one way and guarded another.
 */
export function Endpoint(options: EndpointOptions) {
  const access = options.access ?? 'tenant';
  const status = options.status ?? 200;
  const role = access === 'tenant' ? options.role : undefined;
  const decorators = [
    SetMetadata(ACCESS_KEY, { kind: access, role, ...(options.queryToken ? { queryToken: true } : {}) }),
    HttpCode(status),
    ApiOperation({
      summary: options.summary,
      description: [options.description, role && role !== 'member' ? `Requires role \`${role}\` or higher.` : undefined]
        .filter(Boolean)
        .join('\n\n') || undefined,
    }),
    options.stream
      ? ApiResponse({ status, description: options.stream, content: { 'text/event-stream': { schema: { type: 'string' } } } })
      : ApiEnvelope({ status, description: 'Success', type: options.response, list: options.list }),
    ApiErrors([...ACCESS_ERRORS[access], ...(options.errors ?? []), 'INTERNAL_ERROR']),
  ];
  if (access === 'tenant') {
    decorators.push(ApiSecurity('bearer'), ApiSecurity('api_key'));
  }
  if (access === 'tenant' || access === 'tenant-public') {
    decorators.push(
      ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Tenant slug, when the host is not <tenant>.<base domain>' }),
    );
  }
  if (access === 'platform') decorators.push(ApiSecurity('platform_key'));
  return applyDecorators(...decorators);
}
