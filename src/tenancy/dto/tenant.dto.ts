import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, MinLength, ValidateIf,
  registerDecorator, ValidationOptions,
} from 'class-validator';
import { HasText, IsOmittable } from '../../common/http/validation';
import { ListQueryDto } from '../../common/pagination/list-query.dto';
import { PLANS, type Plan, TENANT_STATUSES, type TenantRecord, type TenantStatus } from '../tenant.entity';
import { slugProblem } from '../slug';

function IsTenantSlug(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isTenantSlug',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && slugProblem(value) === null,
        defaultMessage: (args) => `slug ${typeof args?.value === 'string' ? slugProblem(args.value) : 'must be a string'}`,
      },
    });
}

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', description: 'DNS label, 3-40 chars; becomes the subdomain and schema tenant_<slug>' })
  @IsTenantSlug()
  slug: string;

  @ApiProperty({ example: 'Acme Inc.', maxLength: 200, description: 'At least one non-space character' })
  @IsString()
  @Length(1, 200)
  @HasText()
  name: string;

  @ApiProperty({ enum: PLANS, example: 'team' })
  @IsIn(PLANS)
  plan: Plan;

  @ApiProperty({ example: 'owner@acme.test' })
  @IsEmail()
  @MaxLength(254)
  admin_email: string;

  @ApiProperty({ minLength: 10, example: 'correct horse battery' })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  admin_password: string;
}

const nullable = ({ value }: { value: unknown }) => (value === null ? null : value);

export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Acme Corporation', maxLength: 200, description: 'At least one non-space character; cannot be null' })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  @HasText()
  name?: string;

  @ApiPropertyOptional({ enum: PLANS, description: 'Cannot be null' })
  @IsOmittable()
  @IsIn(PLANS)
  plan?: Plan;

  @ApiPropertyOptional({ enum: TENANT_STATUSES, description: 'Cannot be null' })
  @IsOmittable()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0, description: 'Overrides the plan’s agent limit; null clears it' })
  @Transform(nullable)
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  max_agents?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, description: 'Overrides the plan’s per-minute limit; null clears it' })
  @Transform(nullable)
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  requests_per_minute?: number | null;
}

export class TenantListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ['created_at', 'updated_at', 'slug', 'name'], default: 'created_at' })
  @IsOptional()
  @IsIn(['created_at', 'updated_at', 'slug', 'name'])
  sort: 'created_at' | 'updated_at' | 'slug' | 'name' = 'created_at';

  @ApiPropertyOptional({ enum: PLANS })
  @IsOptional()
  @IsIn(PLANS)
  plan?: Plan;

  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;
}

export class DeleteTenantQueryDto {
  @ApiProperty({ description: 'Must repeat the slug: a guard against deleting the wrong tenant' })
  @IsString()
  @Matches(/^[a-z0-9-]{1,40}$/)
  confirm: string;
}

export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme' }) slug: string;
  @ApiProperty({ example: 'Acme Inc.' }) name: string;
  @ApiProperty({ enum: PLANS }) plan: Plan;
  @ApiProperty({ enum: TENANT_STATUSES }) status: TenantStatus;
  @ApiProperty({ type: 'integer', nullable: true }) max_agents: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) requests_per_minute: number | null;
  @ApiProperty({ example: 'tenant_acme' }) schema: string;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;

  static from(tenant: TenantRecord): TenantDto {
    return {
      id: tenant.id,
      slug: tenant.slug,
      name: tenant.name,
      plan: tenant.plan,
      status: tenant.status,
      max_agents: tenant.maxAgents,
      requests_per_minute: tenant.requestsPerMinute,
      schema: tenant.schema,
      created_at: tenant.createdAt,
      updated_at: tenant.updatedAt,
    };
  }
}

