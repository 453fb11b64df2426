import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../auth/endpoint.decorator';
import { Paginated } from '../common/http/envelope';
import { CreateTenantDto, DeleteTenantQueryDto, TenantDto, TenantListQueryDto, UpdateTenantDto } from './dto/tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('Tenants (platform)')
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @Endpoint({
    summary: 'Provision a tenant',
    description: 'Creates the tenant row, its schema `tenant_<slug>` with all tenant migrations, and the `owner` user, all or nothing.',
    access: 'platform',
    status: 201,
    response: TenantDto,
    errors: ['INVALID_INPUT', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  async create(@Body() dto: CreateTenantDto): Promise<TenantDto> {
    return TenantDto.from(await this.tenants.create(dto));
  }

  @Get()
  @Endpoint({ summary: 'List tenants', access: 'platform', response: TenantDto, list: true, errors: ['INVALID_INPUT'] })
  async list(@Query() query: TenantListQueryDto): Promise<Paginated<TenantDto>> {
    const page = await this.tenants.list(query);
    return new Paginated(page.items.map(TenantDto.from), page.pagination);
  }

  @Get(':slug')
  @Endpoint({ summary: 'Get a tenant', access: 'platform', response: TenantDto, errors: ['TENANT_NOT_FOUND'] })
  async get(@Param('slug') slug: string): Promise<TenantDto> {
    return TenantDto.from(await this.tenants.getBySlug(slug));
  }

  @Patch(':slug')
  @Endpoint({
    summary: 'Update a tenant',
    description: 'Plan, status, name and overrides. A plan change applies to rate limits at once.',
    access: 'platform',
    response: TenantDto,
    errors: ['INVALID_INPUT', 'TENANT_NOT_FOUND'],
  })
  async update(@Param('slug') slug: string, @Body() dto: UpdateTenantDto): Promise<TenantDto> {
    return TenantDto.from(await this.tenants.update(slug, dto));
  }

  @Delete(':slug')
  @Endpoint({
    summary: 'Delete a tenant',
    description: 'Drops the tenant schema and all its data. Requires `?confirm=<slug>`.',
    access: 'platform',
    response: null,
    errors: ['INVALID_INPUT', 'TENANT_NOT_FOUND'],
  })
  async remove(@Param('slug') slug: string, @Query() query: DeleteTenantQueryDto): Promise<null> {
    await this.tenants.remove(slug, query.confirm);
    return null;
  }
}
