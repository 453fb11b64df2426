import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Ctx } from '../auth/context.decorator';
import { Endpoint } from '../auth/endpoint.decorator';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { CreateEdgeCaseDto, EdgeCaseDto, EdgeCaseListQueryDto, UpdateEdgeCaseDto } from './dto/edge-case.dto';
import { EdgeCasesService } from './edge-cases.service';
import { ParseIdPipe } from '../common/http/validation';

const uuid = new ParseIdPipe();

/** Edge cases: the questions a graduation exam asks. */
@ApiTags('Graduation')
@Controller('graduation/edge-cases')
export class EdgeCasesController {
  constructor(private readonly edgeCases: EdgeCasesService) {}

  @Get()
  @Endpoint({
    summary: 'List edge cases',
    description:
      '`agent_id`: that agent’s own cases (its exam also asks the tenant-wide ones); `scope=tenant`: only tenant-wide cases; `category`, ' +
      '`severity`, `active` filter; `q` searches title and input.',
    response: EdgeCaseDto,
    list: true,
    errors: ['INVALID_INPUT'],
  })
  async list(@Ctx() ctx: AuthContext, @Query() query: EdgeCaseListQueryDto): Promise<Paginated<EdgeCaseDto>> {
    const page = await this.edgeCases.list(ctx, { ...query, active: query.active === undefined ? undefined : query.active === 'true' });
    return new Paginated(page.items.map(EdgeCaseDto.from), page.pagination);
  }

  @Post()
  @Endpoint({
    summary: 'Create an edge case',
    description:
      'Tenant-wide, or an agent’s own with `agent_id`. `expected` says how the agent’s answer is graded; a `regex` is RE2 syntax (no ' +
      'backreferences or lookaround; matching is linear-time), and an invalid one, or one that compiles to more than 5,000 instructions ' +
      '(e.g. `.{1000}` repeated a hundred times), is 400 INVALID_INPUT.',
    status: 201,
    response: EdgeCaseDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  @Idempotent()
  async create(@Ctx() ctx: AuthContext, @Body() dto: CreateEdgeCaseDto): Promise<EdgeCaseDto> {
    return EdgeCaseDto.from(await this.edgeCases.create(ctx, dto));
  }

  @Get(':id')
  @Endpoint({ summary: 'Get an edge case, with its stats', response: EdgeCaseDto, errors: ['INVALID_INPUT', 'NOT_FOUND'] })
  async get(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<EdgeCaseDto> {
    return EdgeCaseDto.from(await this.edgeCases.get(ctx, id));
  }

  @Patch(':id')
  @Endpoint({
    summary: 'Update an edge case',
    description: 'Fields left out stay as they are; `agent_id: null` makes it tenant-wide; `active: false` keeps it out of exams.',
    response: EdgeCaseDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'AGENT_NOT_FOUND', 'PAYLOAD_TOO_LARGE'],
  })
  async update(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: UpdateEdgeCaseDto): Promise<EdgeCaseDto> {
    return EdgeCaseDto.from(await this.edgeCases.update(ctx, id, dto));
  }

  @Delete(':id')
  @Endpoint({ summary: 'Delete an edge case', description: 'Past exams keep their results.', response: null, errors: ['INVALID_INPUT', 'NOT_FOUND'] })
  async remove(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<null> {
    await this.edgeCases.remove(ctx, id);
    return null;
  }
}
