import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { MemoryModule } from '../memory/memory.module';
import { EpisodesController } from './episodes.controller';
import { EpisodesService } from './episodes.service';

/** Graduation: episode history and feedback for now; readiness, exams, edge cases and promotion come next. */
@Module({
  imports: [AgentsModule, MemoryModule],
  controllers: [EpisodesController],
  providers: [EpisodesService],
})
export class GraduationModule {}
