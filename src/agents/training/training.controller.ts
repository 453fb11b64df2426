import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Ctx } from '../../auth/context.decorator';
import { Endpoint } from '../../auth/endpoint.decorator';
import type { AuthContext } from '../../auth/principal';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { TrainAgentDto, TrainingRunDto, TrainingStatusDto } from './dto/training.dto';
import { TrainingService } from './training.service';
import { ParseIdPipe } from '../../common/http/validation';

const uuid = new ParseIdPipe();

@ApiTags('Agents')
@Controller('agents/:id')
export class TrainingController {
  constructor(private readonly training: TrainingService) {}

  @Post('train')
  @Endpoint({
    summary: 'Train the agent from its episodes and feedback',
    description:
      '202 with the run (`queued`); follow it at GET /api/agents/{id}/training (`progress` 0-100). The run builds the agent’s learned ' +
      'examples (corrections first, then the best-rated episodes), deduplicated by normalised task and capped at `max_examples`; when it ' +
      'completes, they replace the agent’s learned set at once (a run that finds nothing leaves the set empty), and later executions send ' +
      'them to the model. One queued or running run per agent: another is 409 CONFLICT. Any member may train.',
    status: 202,
    response: TrainingRunDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'SERVICE_UNAVAILABLE'],
  })
  @Idempotent()
  async train(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: TrainAgentDto): Promise<TrainingRunDto> {
    return TrainingRunDto.from(await this.training.start(ctx, id, dto));
  }

  @Get('training')
  @Endpoint({
    summary: 'Training status: the current run and the history',
    response: TrainingStatusDto,
    errors: ['INVALID_INPUT', 'AGENT_NOT_FOUND'],
  })
  async status(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<TrainingStatusDto> {
    return TrainingStatusDto.from(await this.training.status(ctx, id));
  }
}
