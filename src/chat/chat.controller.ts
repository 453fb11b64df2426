import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Ctx } from '../auth/context.decorator';
import { Endpoint } from '../auth/endpoint.decorator';
import type { AuthContext } from '../auth/principal';
import { AppError } from '../common/http/error-codes';
import { ParseIdPipe } from '../common/http/validation';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ChatService } from './chat.service';
import { ChatDto, ChatResponseDto, ChatStreamQueryDto } from './dto/chat.dto';
import { SseStream } from './sse';
import { TurnRegistry } from './turn-registry';

const STREAM_DESCRIPTION = [
  'Server-Sent Events (not the envelope). `event: session` `{session_id, turn_id}`, then `event: delta` `{content}` (the answer',
  'as it comes; the deltas add up to the stored content), then `event: done` `{message, episode_id, usage}` (`message` is the stored',
  'message) or `event: error` `{code, message}` (the envelope’s codes). Every event has an id, `<turn_id>:<n>`, the last one',
  '`<turn_id>:end`; a comment line every 15 s keeps the connection alive. Close the connection after done/error: reconnecting after',
  'the end is answered 204 (which stops a browser EventSource).',
].join(' ');

@ApiTags('Chat')
@Controller('chat')
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly registry: TurnRegistry,
  ) {}

  @Post()
  @Endpoint({
    summary: 'Send a chat message and get the answer',
    description:
      'With `session_id`: the next turn of that session. With only `agent_id`: a new session. The agent answers with the session’s ' +
      'history (bounded by CHAT_HISTORY_TOKENS, oldest dropped first) and its episodic memory, under the same governance as an ' +
      'execution; a tool call that needs an approval is not run in a chat (the model is told so). Each turn records an episode. ' +
      'A provider failure is 503 SERVICE_UNAVAILABLE (the user message and the failed answer are stored); one turn at a time per ' +
      'session (409 CONFLICT while one runs).',
    response: ChatResponseDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'AGENT_NOT_FOUND', 'GOVERNANCE_VIOLATION', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'SERVICE_UNAVAILABLE'],
  })
  @Idempotent()
  async send(@Ctx() ctx: AuthContext, @Body() dto: ChatDto, @Res({ passthrough: true }) res: Response): Promise<ChatResponseDto> {
    return this.chat.chat(ctx, { sessionId: dto.session_id, agentId: dto.agent_id, message: dto.message }, (detach) => {
      if (res.destroyed) detach();
      else res.on('close', detach);
    });
  }

  @Get('stream')
  @Endpoint({
    summary: 'Stream a chat answer (Server-Sent Events)',
    description:
      `${STREAM_DESCRIPTION}\n\nStart a turn with \`session_id\` (or \`agent_id\` for a new session) and \`message\`. Resume one with ` +
      '`session_id`, `turn_id` and `Last-Event-ID`: the events after that id, then the rest live, or the stored result once it has ' +
      'finished, without running the model again (a browser EventSource reconnecting to the starting URL with its Last-Event-ID ' +
      'resumes too). If the client disconnects, the model call goes on for CHAT_RESUME_GRACE, then is cancelled and the partial ' +
      'answer stored as `interrupted`. A turn lives in the server process that runs it. Errors before the stream starts are the ' +
      'usual JSON envelope. Credentials: the headers, or `access_token` for EventSource clients.',
    stream: 'The event stream (text/event-stream)',
    queryToken: true,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'AGENT_NOT_FOUND', 'GOVERNANCE_VIOLATION', 'CONFLICT', 'SERVICE_UNAVAILABLE'],
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id (`<turn_id>:<n>`)' })
  async stream(@Ctx() ctx: AuthContext, @Query() query: ChatStreamQueryDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    // Express answers HEAD with the GET handler, and this GET starts a model turn: not for a HEAD.
    if (req.method === 'HEAD') throw new AppError('NOT_FOUND', 'Cannot HEAD /api/chat/stream: it starts a chat turn; use GET');
    const plan = await this.chat.openStream(ctx, query, req.header('last-event-id') ?? query.last_event_id);
    if (plan.kind === 'nothing') {
      res.status(204).end();
      return;
    }
    const sse = new SseStream(req, res);
    if (plan.kind === 'stored') {
      for (const frame of plan.frames) sse.write(frame);
      sse.end();
      return;
    }
    const detach = this.registry.attach(plan.turn, plan.afterSeq, (frame) => (frame === null ? sse.end() : sse.write(frame)));
    sse.onClose(detach);
  }

  @Post('turns/:turn_id/cancel')
  @Endpoint({
    summary: 'Cancel a running chat turn',
    description:
      'Stops the model at once; the partial answer is stored as `interrupted` (reason `cancelled`) and returned. Streams following ' +
      'the turn get it as their `done` event. 409 when the turn has already finished; 404 for an unknown turn or one not running in ' +
      'this server process.',
    response: ChatResponseDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT'],
  })
  async cancel(@Ctx() ctx: AuthContext, @Param('turn_id', new ParseIdPipe()) turnId: string): Promise<ChatResponseDto> {
    return this.chat.cancel(ctx, turnId);
  }
}
