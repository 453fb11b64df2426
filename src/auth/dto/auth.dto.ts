import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { IsDateString, IsEmail, IsIn, IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';
import { HasText, IsOmittable } from '../../common/http/validation';
import { ListQueryDto } from '../../common/pagination/list-query.dto';
import type { ApiKeyEntity, UserEntity } from '../entities';
import { ROLES, type Role } from '../principal';

export class LoginDto {
  @ApiProperty({ example: 'owner@acme.test' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'correct horse battery' })
  @IsString()
  @Length(1, 200)
  password: string;
}

export class RefreshTokenDto {
  @ApiProperty({ description: 'The refresh token from login or the last refresh' })
  @IsString()
  @Length(10, 200)
  refresh_token: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'owner@acme.test' }) email: string;
  @ApiProperty({ nullable: true, type: 'string', example: 'Ada' }) name: string | null;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;

  static from(user: Pick<UserEntity, 'id' | 'email' | 'name' | 'role' | 'createdAt' | 'updatedAt'>): UserDto {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
    };
  }
}

export class TokenPairDto {
  @ApiProperty() access_token: string;
  @ApiProperty() refresh_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 900, description: 'Seconds until the access token expires' }) expires_in: number;
  @ApiProperty({ type: UserDto }) user: UserDto;
}

export class MeDto {
  @ApiProperty({ enum: ['user', 'api_key'] }) type: 'user' | 'api_key';
  @ApiProperty({ format: 'uuid', description: 'The user id, or the API key id' }) id: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiPropertyOptional({ type: UserDto }) user?: UserDto;
  @ApiProperty({ example: { id: '…', slug: 'acme', name: 'Acme Inc.', plan: 'team' } })
  tenant: { id: string; slug: string; name: string; plan: string };
}

export class CreateUserDto {
  @ApiProperty({ example: 'ada@acme.test' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 10 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ example: 'Ada Lovelace' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional()
  @IsOmittable()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ minLength: 10 })
  @IsOmittable()
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOmittable()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class UserListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ['created_at', 'updated_at', 'email', 'name'], default: 'created_at' })
  @IsOptional()
  @IsIn(['created_at', 'updated_at', 'email', 'name'])
  sort: 'created_at' | 'updated_at' | 'email' | 'name' = 'created_at';

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci-pipeline', maxLength: 100, description: 'At least one non-space character' })
  @IsString()
  @Length(1, 100)
  @HasText()
  name: string;

  @ApiProperty({ enum: ROLES, description: 'Cannot exceed the creator’s own role' })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ format: 'date-time', description: 'Must be in the future' })
  @IsOptional()
  @IsDateString({ strict: true })
  expires_at?: string;
}

export class ApiKeyListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ['created_at', 'name', 'last_used_at'], default: 'created_at' })
  @IsOptional()
  @IsIn(['created_at', 'name', 'last_used_at'])
  sort: 'created_at' | 'name' | 'last_used_at' = 'created_at';
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ci-pipeline' }) name: string;
  @ApiProperty({ example: 'atom_k3J9x2Qa', description: 'First 12 characters of the key' }) prefix: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time', nullable: true, type: 'string' }) last_used_at: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: 'string' }) expires_at: Date | null;

  static from(key: ApiKeyEntity): ApiKeyDto {
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      role: key.role,
      created_at: key.createdAt,
      last_used_at: key.lastUsedAt,
      expires_at: key.expiresAt,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself. Shown only in this response: store it now.', example: 'atom_k3J9x2Qa…' })
  key: string;
}

