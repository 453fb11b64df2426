import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthContext } from '../auth/principal';
import { AppError, invalidInput } from '../common/http/error-codes';
import { TenantDb } from '../database/tenant-db';
import { WebhookEvents } from '../webhooks/webhook-events.service';

export type Thumbs = 'up' | 'down';

export interface FeedbackInput {
  rating?: number | null;
  thumbs?: Thumbs | null;
  correction?: string | null;
  comment?: string | null;
}

export interface FeedbackRow {
  id: string;
  episode_id: string;
  agent_id: string;
  actor_type: 'user' | 'api_key';
  actor_id: string;
  rating: number | null;
  thumbs: Thumbs | null;
  correction: string | null;
  comment: string | null;
  score: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface EpisodeFeedback {
  feedback: FeedbackRow[];
  aggregate_feedback_score: number | null;
  count: number;
}

/**
 * A feedback's score in -1..1 (design.md section 5): the rating's (r-3)/2 when there is one, else
 * thumbs +-1; a correction-only feedback has none (null): it counts as an intervention instead.
 */
export function feedbackScore(input: Pick<FeedbackInput, 'rating' | 'thumbs'>): number | null {
  if (input.rating !== undefined && input.rating !== null) return (input.rating - 3) / 2;
  if (input.thumbs === 'up') return 1;
  if (input.thumbs === 'down') return -1;
  return null;
}

/** The episode's aggregate: the mean of its feedback scores that are not null; null when there are none. */
export function aggregateScore(scores: (number | null)[]): number | null {
  const present = scores.filter((score): score is number => score !== null);
  if (present.length === 0) return null;
  return present.reduce((sum, score) => sum + score, 0) / present.length;
}

/**
 * How the episode's human_intervention_count moves when one person's feedback goes from `before`
 * (null: none yet) to `after`: it counts the feedback that carries a correction, once each, so
 * replacing a correction with another changes nothing and withdrawing it takes it back.
 */
export function interventionDelta(before: { correction: string | null } | null, after: { correction: string | null }): number {
  return (after.correction !== null ? 1 : 0) - (before?.correction != null ? 1 : 0);
}

function hasContent(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Feedback on episodes (RLHF). Everything for one episode happens under a lock on the episode's
 * row, so concurrent feedback from several people cannot leave a stale aggregate or a miscounted
 * intervention.
 */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly db: TenantDb,
    private readonly events: WebhookEvents,
  ) {}

  /** Records the caller's feedback, or replaces their earlier one. `replaced` tells which. */
  async give(ctx: AuthContext, episodeId: string, input: FeedbackInput): Promise<{ feedback: FeedbackRow; replaced: boolean }> {
    if (input.rating == null && input.thumbs == null && !hasContent(input.correction)) {
      const errors = ['give at least one of rating, thumbs or correction'];
      throw invalidInput(`Feedback needs a rating, thumbs or a correction`, [
        { field: 'rating', errors },
        { field: 'thumbs', errors },
        { field: 'correction', errors },
      ]);
    }
    const next = {
      rating: input.rating ?? null,
      thumbs: input.thumbs ?? null,
      correction: hasContent(input.correction) ? input.correction : null,
      comment: input.comment ?? null,
      score: feedbackScore(input),
    };
    const actor = { type: ctx.principal.type, id: ctx.principal.id };
    return this.db.run(ctx.tenant, async (em) => {
      const [episode] = (await em.query('SELECT id, agent_id FROM episodes WHERE id = $1 FOR UPDATE', [episodeId])) as {
        id: string;
        agent_id: string;
      }[];
      if (!episode) throw episodeNotFound(episodeId);
      const [previous] = (await em.query(
        'SELECT correction FROM feedback WHERE episode_id = $1 AND actor_type = $2 AND actor_id = $3',
        [episodeId, actor.type, actor.id],
      )) as { correction: string | null }[];
      const [feedback] = (await em.query(
        `INSERT INTO feedback (episode_id, agent_id, actor_type, actor_id, rating, thumbs, correction, comment, score)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT feedback_one_per_actor DO UPDATE
           SET rating = EXCLUDED.rating, thumbs = EXCLUDED.thumbs, correction = EXCLUDED.correction,
               comment = EXCLUDED.comment, score = EXCLUDED.score, updated_at = now()
         RETURNING ${FEEDBACK_COLUMNS}`,
        [episodeId, episode.agent_id, actor.type, actor.id, next.rating, next.thumbs, next.correction, next.comment, next.score],
      )) as FeedbackRow[];
      const aggregate = await this.aggregateOf(em, episodeId);
      await em.query(
        `UPDATE episodes SET aggregate_feedback_score = $2, human_intervention_count = human_intervention_count + $3 WHERE id = $1`,
        [episodeId, aggregate, interventionDelta(previous ?? null, next)],
      );
      await this.events.emit(em, ctx.tenant, 'episode.feedback', {
        episode_id: episodeId,
        agent_id: episode.agent_id,
        feedback_id: feedback.id,
        actor: { type: actor.type, id: actor.id },
        rating: feedback.rating,
        thumbs: feedback.thumbs,
        correction: feedback.correction,
        score: feedback.score,
        aggregate_feedback_score: aggregate,
        replaced: previous !== undefined,
      });
      return { feedback, replaced: previous !== undefined };
    });
  }

  /** All feedback on an episode (one per person, so the list stays short), newest first, and its aggregate. */
  async list(ctx: AuthContext, episodeId: string): Promise<EpisodeFeedback> {
    return this.db.run(ctx.tenant, async (em) => {
      const [episode] = (await em.query('SELECT aggregate_feedback_score FROM episodes WHERE id = $1', [episodeId])) as {
        aggregate_feedback_score: number | null;
      }[];
      if (!episode) throw episodeNotFound(episodeId);
      const feedback = (await em.query(
        `SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE episode_id = $1 ORDER BY updated_at DESC, id DESC`,
        [episodeId],
      )) as FeedbackRow[];
      return { feedback, aggregate_feedback_score: episode.aggregate_feedback_score, count: feedback.length };
    });
  }

  private async aggregateOf(em: EntityManager, episodeId: string): Promise<number | null> {
    const rows = (await em.query('SELECT score FROM feedback WHERE episode_id = $1', [episodeId])) as { score: number | null }[];
    return aggregateScore(rows.map((row) => row.score));
  }
}

const FEEDBACK_COLUMNS =
  'id, episode_id, agent_id, actor_type, actor_id, rating, thumbs, correction, comment, score, created_at, updated_at';

function episodeNotFound(id: string): AppError {
  return new AppError('NOT_FOUND', `Episode '${id}' not found`);
}
