import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Ctx } from '../auth/context.decorator';
import { Endpoint } from '../auth/endpoint.decorator';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { CreateSessionDto, MessageDto, SessionDetailDto, SessionDto, SessionGetQueryDto, SessionListQueryDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';
import { ParseIdPipe } from '../common/http/validation';

const uuid = new ParseIdPipe();
const VISIBILITY = 'Members see the sessions they created; admins and owners see every session of the tenant. Any other id is 404.';

@ApiTags('Chat')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @Endpoint({
    summary: 'Create a chat session with an agent',
    status: 201,
    response: SessionDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  @Idempotent()
  async create(@Ctx() ctx: AuthContext, @Body() dto: CreateSessionDto): Promise<SessionDto> {
    return SessionDto.from(await this.sessions.create(ctx, dto));
  }

  @Get()
  @Endpoint({
    summary: 'List chat sessions',
    description: `${VISIBILITY} \`q\` searches titles; \`agent_id\` filters; \`sort\` created_at|updated_at|last_message_at.`,
    response: SessionDto,
    list: true,
    errors: ['INVALID_INPUT'],
  })
  async list(@Ctx() ctx: AuthContext, @Query() query: SessionListQueryDto): Promise<Paginated<SessionDto>> {
    const page = await this.sessions.list(ctx, query);
    return new Paginated(page.items.map(SessionDto.from), page.pagination);
  }

  @Get(':id')
  @Endpoint({
    summary: 'A chat session with its messages',
    description: `Messages oldest first, paginated with \`messages_page\` and \`messages_limit\` (default 50, at most 100). ${VISIBILITY}`,
    response: SessionDetailDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND'],
  })
  async get(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Query() query: SessionGetQueryDto): Promise<SessionDetailDto> {
    const { session, messages } = await this.sessions.get(ctx, id, query);
    return { ...SessionDto.from(session), messages: messages.items.map(MessageDto.from), messages_pagination: messages.pagination };
  }

  @Delete(':id')
  @Endpoint({
    summary: 'Delete a chat session and its messages',
    description: `A turn still running in it is interrupted and its answer is not stored. The episodes its turns recorded stay (they are the agent’s memory). ${VISIBILITY}`,
    response: null,
    errors: ['INVALID_INPUT', 'NOT_FOUND'],
  })
  async remove(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<null> {
    await this.sessions.remove(ctx, id);
    return null;
  }
}
