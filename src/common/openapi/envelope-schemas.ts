import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from '../http/error-codes';

export class MetaDto {
  @ApiProperty({ example: '2025-02-06T10:00:00.000Z' }) timestamp: string;
  @ApiProperty({ example: 'req_Vb2n3x8QpL1sT0aa' }) request_id: string;
}

export class PaginationDto {
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 20 }) limit: number;
  @ApiProperty({ example: 150 }) total: number;
  @ApiProperty({ example: 8 }) pages: number;
}

export class ErrorDto {
  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'INVALID_INPUT' }) code: string;
  @ApiProperty({ example: 'Validation failed: name: name should not be empty' }) message: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'For INVALID_INPUT: {"fields": [{"field", "errors": [...]}]}',
  })
  details: Record<string, unknown>;
}

export class ErrorEnvelopeDto {
  @ApiProperty({ example: false }) success: boolean;
  @ApiProperty({ type: ErrorDto }) error: ErrorDto;
  @ApiProperty({ type: MetaDto }) meta: MetaDto;
}

/** Documents `{success, data, meta}` (and `pagination` for lists) around a response DTO. */
export function ApiEnvelope(options: { status: number; description: string; type?: Type<unknown> | null; list?: boolean }) {
  const { status, description, type, list } = options;
  const item = type ? { $ref: getSchemaPath(type) } : { type: 'object' as const, nullable: true };
  const properties: Record<string, object> = {
    success: { type: 'boolean', example: true },
    data: list ? { type: 'array', items: item } : item,
    meta: { $ref: getSchemaPath(MetaDto) },
  };
  if (list) properties.pagination = { $ref: getSchemaPath(PaginationDto) };
  return applyDecorators(
    ApiExtraModels(MetaDto, PaginationDto, ...(type ? [type] : [])),
    ApiResponse({
      status,
      description,
      schema: { type: 'object', required: ['success', 'data', 'meta', ...(list ? ['pagination'] : [])], properties },
    }),
  );
}

const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  UNAUTHORIZED: 'Invalid or missing authentication',
  FORBIDDEN: 'Insufficient permissions, suspended tenant, or a credential of another tenant',
  NOT_FOUND: 'Resource not found',
  RATE_LIMIT_EXCEEDED: 'Plan rate limit exceeded (see Retry-After)',
  AGENT_NOT_FOUND: 'Agent does not exist',
  AGENT_LIMIT_EXCEEDED: 'Tenant agent limit reached',
  GOVERNANCE_VIOLATION: 'Action not allowed by governance',
  INVALID_INPUT: 'Request validation failed',
  INTERNAL_ERROR: 'Server error',
  CONFLICT: 'Conflicts with the current state',
  TENANT_NOT_FOUND: 'Unknown tenant',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  SERVICE_UNAVAILABLE: 'A dependency is down',
};

/** One response entry per HTTP status, listing every code that can come with it. */
export function ApiErrors(codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto),
    ...[...byStatus.entries()].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((code) => `\`${code}\`: ${ERROR_DESCRIPTIONS[code]}`).join('; '),
        schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
      }),
    ),
  );
}
