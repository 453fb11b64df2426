import { Injectable } from '@nestjs/common';
import { AgentsService } from '../agents/agents.service';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { TenantDb } from '../database/tenant-db';
import type { EpisodeEntity } from '../memory/episode.entity';
import { MemoryService, type EpisodeListQuery } from '../memory/memory.service';

/** Episode history for graduation: the agent is checked and its episodes read in one unit of work. */
@Injectable()
export class EpisodesService {
  constructor(
    private readonly db: TenantDb,
    private readonly agents: AgentsService,
    private readonly memory: MemoryService,
  ) {}

  async list(ctx: AuthContext, agentId: string, query: EpisodeListQuery): Promise<Paginated<EpisodeEntity>> {
    return this.db.run(ctx.tenant, async (em) => {
      await this.agents.findOrFail(em, agentId);
      return this.memory.listEpisodes(em, agentId, query);
    });
  }
}
