import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Paginated } from '../common/http/envelope';
import { ApiKeysService } from './api-keys.service';
import { Ctx } from './context.decorator';
import { Endpoint } from './endpoint.decorator';
import { ApiKeyDto, ApiKeyListQueryDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/auth.dto';
import type { AuthContext } from './principal';
import { ParseIdPipe } from '../common/http/validation';

@ApiTags('API keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @Endpoint({
    summary: 'Create an API key',
    description: 'The key (`atom_…`) is in this response only; it is stored as a hash. Its role cannot exceed the creator’s.',
    role: 'admin',
    status: 201,
    response: CreatedApiKeyDto,
    errors: ['INVALID_INPUT', 'PAYLOAD_TOO_LARGE'],
  })
  create(@Ctx() ctx: AuthContext, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(ctx, dto);
  }

  @Get()
  @Endpoint({ summary: 'List API keys (never the secret)', role: 'admin', response: ApiKeyDto, list: true, errors: ['INVALID_INPUT'] })
  list(@Ctx() ctx: AuthContext, @Query() query: ApiKeyListQueryDto): Promise<Paginated<ApiKeyDto>> {
    return this.apiKeys.list(ctx, query);
  }

  @Delete(':id')
  @Endpoint({
    summary: 'Revoke an API key',
    description: 'Effective at once. A key with the `owner` role can only be revoked by an owner (403 `FORBIDDEN` otherwise).',
    role: 'admin',
    response: null,
    errors: ['INVALID_INPUT', 'NOT_FOUND'],
  })
  async revoke(@Ctx() ctx: AuthContext, @Param('id', new ParseIdPipe()) id: string): Promise<null> {
    await this.apiKeys.revoke(ctx, id);
    return null;
  }
}
