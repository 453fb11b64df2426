import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Ctx } from '../auth/context.decorator';
import { Endpoint } from '../auth/endpoint.decorator';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { AgentsService } from './agents.service';
import { AgentDto, AgentListQueryDto, CreateAgentDto, UpdateAgentDto } from './dto/agent.dto';
import { ParseIdPipe } from '../common/http/validation';

const uuid = new ParseIdPipe();

@ApiTags('Agents')
@Controller('agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @Endpoint({
    summary: 'List agents',
    description: '`q` searches name, role and description. `sort=maturity_level` orders by rank (student first when ascending).',
    response: AgentDto,
    list: true,
    errors: ['INVALID_INPUT'],
  })
  async list(@Ctx() ctx: AuthContext, @Query() query: AgentListQueryDto): Promise<Paginated<AgentDto>> {
    const page = await this.agents.list(ctx, query);
    return new Paginated(page.items.map(AgentDto.from), page.pagination);
  }

  @Post()
  @Endpoint({
    summary: 'Create an agent',
    description: 'New agents start as `student`. Plan limit: Free 3, Solo 10, Team 50, Enterprise unlimited, or the tenant’s `max_agents`.',
    status: 201,
    response: AgentDto,
    errors: ['INVALID_INPUT', 'AGENT_LIMIT_EXCEEDED', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  @Idempotent()
  async create(@Ctx() ctx: AuthContext, @Body() dto: CreateAgentDto): Promise<AgentDto> {
    return AgentDto.from(await this.agents.create(ctx, dto));
  }

  @Get(':id')
  @Endpoint({ summary: 'Get an agent', response: AgentDto, errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND'] })
  async get(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<AgentDto> {
    return AgentDto.from(await this.agents.get(ctx, id));
  }

  @Put(':id')
  @Endpoint({
    summary: 'Update an agent (partial, same as PATCH)',
    description: 'Fields left out stay as they are. `maturity_level` cannot be set here: only graduation changes it.',
    response: AgentDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'PAYLOAD_TOO_LARGE'],
  })
  async replace(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: UpdateAgentDto): Promise<AgentDto> {
    return AgentDto.from(await this.agents.update(ctx, id, dto));
  }

  @Patch(':id')
  @Endpoint({
    summary: 'Update an agent',
    description: 'Fields left out stay as they are. `maturity_level` cannot be set here: only graduation changes it.',
    response: AgentDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'PAYLOAD_TOO_LARGE'],
  })
  async update(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: UpdateAgentDto): Promise<AgentDto> {
    return AgentDto.from(await this.agents.update(ctx, id, dto));
  }

  @Delete(':id')
  @Endpoint({
    summary: 'Delete an agent',
    description: 'Deletes the agent and everything that belongs to it; to keep them, set `status: archived` instead.',
    role: 'admin',
    response: null,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND'],
  })
  async remove(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<null> {
    await this.agents.remove(ctx, id);
    return null;
  }
}
