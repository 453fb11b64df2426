import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Paginated } from '../common/http/envelope';
import { Ctx } from './context.decorator';
import { Endpoint } from './endpoint.decorator';
import { CreateUserDto, UpdateUserDto, UserDto, UserListQueryDto } from './dto/auth.dto';
import type { AuthContext } from './principal';
import { UsersService } from './users.service';
import { ParseIdPipe } from '../common/http/validation';

const uuid = new ParseIdPipe();

@ApiTags('Users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Endpoint({ summary: 'List users', role: 'admin', response: UserDto, list: true, errors: ['INVALID_INPUT'] })
  async list(@Ctx() ctx: AuthContext, @Query() query: UserListQueryDto): Promise<Paginated<UserDto>> {
    const page = await this.users.list(ctx, query);
    return new Paginated(page.items.map(UserDto.from), page.pagination);
  }

  @Post()
  @Endpoint({
    summary: 'Create a user',
    description: 'Nobody grants a role above their own. Passwords: at least 10 characters.',
    role: 'admin',
    status: 201,
    response: UserDto,
    errors: ['INVALID_INPUT', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  async create(@Ctx() ctx: AuthContext, @Body() dto: CreateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.create(ctx, dto));
  }

  @Get(':id')
  @Endpoint({ summary: 'Get a user', role: 'admin', response: UserDto, errors: ['INVALID_INPUT', 'NOT_FOUND'] })
  async get(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<UserDto> {
    return UserDto.from(await this.users.get(ctx, id));
  }

  @Patch(':id')
  @Endpoint({
    summary: 'Update a user',
    description: 'Only owners change owners; the last owner cannot be demoted (409).',
    role: 'admin',
    response: UserDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT'],
  })
  async update(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: UpdateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.update(ctx, id, dto));
  }

  @Delete(':id')
  @Endpoint({
    summary: 'Delete a user',
    description: 'The last owner cannot be removed (409).',
    role: 'admin',
    response: null,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT'],
  })
  async remove(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<null> {
    await this.users.remove(ctx, id);
    return null;
  }
}
