import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { Ctx } from '../../auth/context.decorator';
import { Endpoint } from '../../auth/endpoint.decorator';
import type { AuthContext } from '../../auth/principal';
import { Paginated } from '../../common/http/envelope';
import { ListQueryDto } from '../../common/pagination/list-query.dto';
import { paginate } from '../../common/pagination/paginate';
import { TenantDb } from '../../database/tenant-db';
import { ExecutionDto } from '../execution/dto/execution.dto';
import { ExecutionService } from '../execution/execution.service';
import { ParseIdPipe, IsId } from '../../common/http/validation';

const uuid = new ParseIdPipe();
const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;

export class ApprovalListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: APPROVAL_STATUSES })
  @IsOptional()
  @IsIn(APPROVAL_STATUSES)
  status?: (typeof APPROVAL_STATUSES)[number];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsId()
  agent_id?: string;
}

export class ApprovalDecisionDto {
  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class ApprovalDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ format: 'uuid' }) execution_id: string;
  @ApiProperty() action: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) arguments: Record<string, unknown>;
  @ApiProperty({ minimum: 1, maximum: 4 }) complexity: number;
  @ApiProperty({ enum: APPROVAL_STATUSES }) status: string;
  @ApiProperty({ type: 'string', nullable: true }) reason: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) decided_by: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) decided_at: Date | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
}

/** Actions governance held for a person (complexity 3 at intern, 4 at supervised). */
@ApiTags('Approvals')
@Controller('approvals')
export class ApprovalsController {
  constructor(
    private readonly db: TenantDb,
    private readonly executions: ExecutionService,
  ) {}

  @Get()
  @Endpoint({ summary: 'List approvals (newest first)', response: ApprovalDto, list: true, errors: ['INVALID_INPUT'] })
  async list(@Ctx() ctx: AuthContext, @Query() query: ApprovalListQueryDto): Promise<Paginated<ApprovalDto>> {
    return this.db.run(ctx.tenant, async (em) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.status) where.push(`status = $${params.push(query.status)}`);
      if (query.agent_id) where.push(`agent_id = $${params.push(query.agent_id)}`);
      const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const [{ total }] = (await em.query(`SELECT count(*)::int AS total FROM approvals ${filter}`, params)) as { total: number }[];
      const direction = query.order === 'asc' ? 'ASC' : 'DESC';
      const rows = (await em.query(
        `SELECT id, agent_id, execution_id, action, arguments, complexity, status, reason, decided_by, decided_at, created_at
           FROM approvals ${filter} ORDER BY created_at ${direction}, id ${direction}
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, query.limit, (query.page - 1) * query.limit],
      )) as ApprovalDto[];
      return paginate(rows, total, query);
    });
  }

  @Post(':id/approve')
  @Endpoint({
    summary: 'Approve: the action runs and the execution resumes',
    description:
      'Answers with the execution once it reached its next final or paused state. Any member may decide. While the agent is paused or ' +
      'archived: 403 GOVERNANCE_VIOLATION, and the approval stays pending.',
    response: ExecutionDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT', 'GOVERNANCE_VIOLATION'],
  })
  async approve(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: ApprovalDecisionDto): Promise<ExecutionDto> {
    return ExecutionDto.from(await this.executions.decideApproval(ctx, id, true, dto.reason));
  }

  @Post(':id/reject')
  @Endpoint({
    summary: 'Reject: the action does not run and the execution ends blocked',
    response: ExecutionDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT'],
  })
  async reject(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: ApprovalDecisionDto): Promise<ExecutionDto> {
    return ExecutionDto.from(await this.executions.decideApproval(ctx, id, false, dto.reason));
  }
}
