import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Ctx } from '../auth/context.decorator';
import { Endpoint } from '../auth/endpoint.decorator';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { overrideStatus } from '../common/http/status-override';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiEnvelope } from '../common/openapi/envelope-schemas';
import { FeedbackService } from '../memory/feedback.service';
import { EpisodeDto, EpisodeListQueryDto } from './dto/episode.dto';
import { EpisodeFeedbackDto, FeedbackDto, GiveFeedbackDto } from './dto/feedback.dto';
import { EpisodesService } from './episodes.service';
import { ParseIdPipe } from '../common/http/validation';

const uuid = new ParseIdPipe();

/** Episodic memory as graduation sees it: an agent's episodes and the feedback people give on them. */
@ApiTags('Graduation')
@Controller('graduation')
export class EpisodesController {
  constructor(
    private readonly episodes: EpisodesService,
    private readonly feedback: FeedbackService,
  ) {}

  @Get('agents/:id/episodes')
  @Endpoint({
    summary: 'An agent’s episode history',
    description:
      'Newest first by default (`sort=completed_at`). `outcome` filters; `from`/`to` bound `completed_at` (a bare date is a whole UTC day, ' +
      'both ends included); `q` searches task and output.',
    response: EpisodeDto,
    list: true,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND'],
  })
  async list(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Query() query: EpisodeListQueryDto): Promise<Paginated<EpisodeDto>> {
    const page = await this.episodes.list(ctx, id, query);
    return new Paginated(page.items.map(EpisodeDto.from), page.pagination);
  }

  @Post('episodes/:id/feedback')
  @Endpoint({
    summary: 'Give feedback on an episode (RLHF)',
    description:
      'At least one of `rating` (1-5), `thumbs` or `correction`. Score: `(rating-3)/2` when rated, else thumbs +1/-1; a correction-only ' +
      'feedback has none. The episode’s `aggregate_feedback_score` (mean of the scores) is updated at once. One feedback per user or API ' +
      'key per episode: the first is **201**, a later one **replaces** it entirely and is **200**. A feedback that carries a correction ' +
      'counts once as a human intervention in the episode; training learns the correction as the right answer. Any member may give feedback.',
    status: 201,
    response: FeedbackDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE'],
  })
  @ApiEnvelope({ status: 200, description: 'Replaced the caller’s earlier feedback', type: FeedbackDto })
  @Idempotent()
  async giveFeedback(
    @Ctx() ctx: AuthContext,
    @Param('id', uuid) id: string,
    @Body() dto: GiveFeedbackDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<FeedbackDto> {
    const { feedback, replaced } = await this.feedback.give(ctx, id, dto);
    if (replaced) overrideStatus(res, 200);
    return FeedbackDto.from(feedback);
  }

  @Get('episodes/:id/feedback')
  @Endpoint({
    summary: 'The feedback on an episode',
    description: 'Every feedback (one per user or API key, newest first), the episode’s aggregate score and the count. Not paginated: it is bounded by the tenant’s people.',
    response: EpisodeFeedbackDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND'],
  })
  async listFeedback(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<EpisodeFeedbackDto> {
    return EpisodeFeedbackDto.from(await this.feedback.list(ctx, id));
  }
}
