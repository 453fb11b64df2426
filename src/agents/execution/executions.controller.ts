import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Ctx } from '../../auth/context.decorator';
import { Endpoint } from '../../auth/endpoint.decorator';
import type { AuthContext } from '../../auth/principal';
import { overrideStatus } from '../../common/http/status-override';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ExecuteAgentDto, ExecutionDto } from './dto/execution.dto';
import { ExecutionService } from './execution.service';
import { ParseIdPipe } from '../../common/http/validation';

const uuid = new ParseIdPipe();

@ApiTags('Agents')
@Controller('agents/:id')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionService) {}

  @Post('execute')
  @Endpoint({
    summary: 'Execute a task with the agent',
    description:
      'Synchronous by default: 200 with the result once the execution reached a final state (`success`, `failed`, `blocked`). ' +
      'With `async: true`: 202 with the ids and status `queued`; follow it at GET /api/agents/{id}/executions/{execution_id}. ' +
      'Each tool call the model makes is judged by governance for the agent’s maturity first. Paused or archived agents, and an ' +
      'explicitly requested action (`context.action`) the agent may not take, are 403 GOVERNANCE_VIOLATION.',
    response: ExecutionDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'GOVERNANCE_VIOLATION', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  @Idempotent()
  async execute(
    @Ctx() ctx: AuthContext,
    @Param('id', uuid) id: string,
    @Body() dto: ExecuteAgentDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExecutionDto> {
    const { execution, accepted } = await this.executions.start(ctx, id, dto);
    if (accepted) overrideStatus(res, 202);
    return ExecutionDto.from(execution);
  }

  @Get('executions/:executionId')
  @Endpoint({ summary: 'An execution: its progress and, once finished, its result', response: ExecutionDto, errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'NOT_FOUND'] })
  async get(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Param('executionId', uuid) executionId: string): Promise<ExecutionDto> {
    return ExecutionDto.from(await this.executions.get(ctx, id, executionId));
  }
}
