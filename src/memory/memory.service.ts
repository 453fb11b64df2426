import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantDb, type TenantScope } from '../database/tenant-db';
import { EpisodeEntity } from './episode.entity';

export interface RecalledEpisode {
  episode_id: string;
  task: string;
  output: string | null;
  outcome: string;
  completed_at: Date;
}

const STOP_WORDS = new Set(['the', 'a', 'an', 'and', 'or', 'of', 'to', 'in', 'on', 'for', 'with', 'is', 'it', 'this', 'that']);

/** Words worth matching: lowercase, 3+ characters, no stop words, at most 8 of them. */
export function recallTerms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]{3,}/gu) ?? [];
  return [...new Set(words.filter((word) => !STOP_WORDS.has(word)))].slice(0, 8);
}

/**
 * Episodic memory. Relevance for recall: the number of the query's terms found in an episode's task
 * or output (plain substring match), ties broken by recency; only the agent's last 200 episodes are
 * considered, so recall stays cheap however long an agent lives.
 */
@Injectable()
export class MemoryService {
  constructor(private readonly db: TenantDb) {}

  async record(em: EntityManager, episode: Omit<EpisodeEntity, 'createdAt'>): Promise<void> {
    const repo = em.getRepository(EpisodeEntity);
    await repo.save(repo.create(episode));
  }

  async recall(tenant: TenantScope, agentId: string, query: string, limit = 3): Promise<RecalledEpisode[]> {
    const terms = recallTerms(query);
    if (terms.length === 0) return [];
    const score = terms.map((_, i) => `(CASE WHEN recent.haystack LIKE $${i + 3} THEN 1 ELSE 0 END)`).join(' + ');
    return this.db.run(tenant, (em) =>
      em.query(
        `SELECT id AS episode_id, task, output, outcome, completed_at FROM (
           SELECT *, lower(task || ' ' || coalesce(output, '')) AS haystack FROM episodes
            WHERE agent_id = $1 ORDER BY completed_at DESC LIMIT 200
         ) recent
         WHERE (${score}) > 0
         ORDER BY (${score}) DESC, completed_at DESC
         LIMIT $2`,
        [agentId, Math.min(Math.max(limit, 1), 10), ...terms.map((term) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)],
      ),
    );
  }
}
