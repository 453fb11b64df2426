import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AgentDto } from '../agents/dto/agent.dto';
import { Ctx } from '../auth/context.decorator';
import { Endpoint } from '../auth/endpoint.decorator';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { overrideStatus } from '../common/http/status-override';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiEnvelope } from '../common/openapi/envelope-schemas';
import {
  ChangeLevelDto, ExamDto, HistoryEntryDto, HistoryListQueryDto, LevelChangeDto, ReadinessDto, StartExamDto,
} from './dto/graduation.dto';
import { ExamsService } from './exams.service';
import { GraduationService } from './graduation.service';
import { ParseIdPipe } from '../common/http/validation';

const uuid = new ParseIdPipe();

/** Readiness, exams, promotion and demotion, and the history of an agent's level. */
@ApiTags('Graduation')
@Controller('graduation')
export class GraduationController {
  constructor(
    private readonly graduation: GraduationService,
    private readonly exams: ExamsService,
  ) {}

  @Get('agents/:id/readiness')
  @Endpoint({
    summary: 'Calculate an agent’s readiness for its next level',
    description:
      'From the agent’s last 30 finished episodes: score = 0.30 zero-intervention ratio + 0.25 mean compliance + 0.20 success rate + ' +
      '0.15 feedback ((x+1)/2 averaged over rated episodes, 0.5 when none) + 0.10 pass rate of the last exam (0 before any). ' +
      'Requirements: intern ≥ 10 episodes and score ≥ 0.70; supervised ≥ 25, ≥ 0.80 and intervention rate ≤ 0.2; autonomous ≥ 50, ' +
      '≥ 0.95 and intervention rate 0. `gaps` lists each unmet one. The score is stored as the agent’s `readiness_score`.',
    response: ReadinessDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND'],
  })
  async readiness(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<ReadinessDto> {
    return ReadinessDto.from(await this.graduation.readiness(ctx, id));
  }

  @Post('agents/:id/exam')
  @Endpoint({
    summary: 'Sit the graduation exam',
    description:
      'Runs every active edge case of the agent (its own and the tenant-wide ones) through the execution engine in exam mode (actions ' +
      'simulated; exam runs are not episodes) and grades each answer. Passed when readiness is `ready` and the pass rate reaches 0.8 ' +
      '(intern), 0.9 (supervised) or 1.0 (autonomous): the agent is promoted one level (history type `exam`, event `agent.graduated`). ' +
      'A failed exam starts a cool-down (GRADUATION_EXAM_COOLDOWN, 6 h by default): an exam during it is 409 CONFLICT with ' +
      '`details.cooldown_until` and `Retry-After`. 10 cases or fewer: 200 with the result; more (or `async: true`): 202 with the queued ' +
      'exam, followed at GET /api/graduation/exams/{exam_id}. An autonomous agent, or one with no active edge case, is 400. Any member may start one.',
    response: ExamDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'GOVERNANCE_VIOLATION', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'SERVICE_UNAVAILABLE'],
  })
  @ApiEnvelope({ status: 202, description: 'Accepted: more than 10 cases, or `async: true`', type: ExamDto })
  @Idempotent()
  async exam(
    @Ctx() ctx: AuthContext,
    @Param('id', uuid) id: string,
    @Body() dto: StartExamDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExamDto> {
    const { exam, accepted } = await this.exams.start(ctx, id, dto);
    if (accepted) overrideStatus(res, 202);
    return ExamDto.from(exam);
  }

  @Get('exams/:id')
  @Endpoint({
    summary: 'An exam: its progress and, once completed, its result',
    response: ExamDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND'],
  })
  async getExam(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<ExamDto> {
    return ExamDto.from(await this.exams.get(ctx, id));
  }

  @Post('agents/:id/promote')
  @Endpoint({
    summary: 'Promote an agent (admin)',
    description: 'One level up, or to `to_level` (which must be above the current level). Records history type `manual`; emits `agent.promoted`.',
    role: 'admin',
    response: LevelChangeDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  @Idempotent()
  async promote(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: ChangeLevelDto): Promise<LevelChangeDto> {
    const { agent, history } = await this.graduation.promote(ctx, id, dto.reason, dto.to_level);
    return { agent: AgentDto.from(agent), change: HistoryEntryDto.from(history) };
  }

  @Post('agents/:id/demote')
  @Endpoint({
    summary: 'Demote an agent (admin)',
    description: 'One level down, or to `to_level` (which must be below the current level). Records history type `demotion`; emits `agent.demoted`.',
    role: 'admin',
    response: LevelChangeDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  @Idempotent()
  async demote(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: ChangeLevelDto): Promise<LevelChangeDto> {
    const { agent, history } = await this.graduation.demote(ctx, id, dto.reason, dto.to_level);
    return { agent: AgentDto.from(agent), change: HistoryEntryDto.from(history) };
  }

  @Get('agents/:id/history')
  @Endpoint({
    summary: 'Promotion history: every level change of the agent',
    description: 'Newest first by default; `q` searches the reasons.',
    response: HistoryEntryDto,
    list: true,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND'],
  })
  async history(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Query() query: HistoryListQueryDto): Promise<Paginated<HistoryEntryDto>> {
    const page = await this.graduation.history(ctx, id, query);
    return new Paginated(page.items.map(HistoryEntryDto.from), page.pagination);
  }
}
