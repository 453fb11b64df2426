import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Paginated } from '../common/http/envelope';
import { invalidInput } from '../common/http/error-codes';
import { likePattern, paginate } from '../common/pagination/paginate';
import { insertFromJsonSql, jsonbParam } from '../database/json-insert';
import { TenantDb, type TenantScope } from '../database/tenant-db';
import { EpisodeEntity, type EpisodeOutcome } from './episode.entity';

export interface RecalledEpisode {
  episode_id: string;
  task: string;
  output: string | null;
  outcome: string;
  completed_at: Date;
}

export const EPISODE_SORTS = ['completed_at', 'aggregate_feedback_score', 'compliance_score'] as const;
export type EpisodeSort = (typeof EPISODE_SORTS)[number];

export interface EpisodeListQuery {
  page: number;
  limit: number;
  order: 'asc' | 'desc';
  sort: EpisodeSort;
  q?: string;
  outcome?: EpisodeOutcome;
  /** ISO date or date-time: completed_at on or after it. */
  from?: string;
  /** ISO date (the whole day is included) or date-time: completed_at up to it. */
  to?: string;
}

/** What training reads: an episode worth learning from, with its latest correction (if any). */
export interface TrainingCandidate {
  episode_id: string;
  task: string;
  output: string | null;
  outcome: EpisodeOutcome;
  aggregate_feedback_score: number | null;
  compliance_score: number;
  completed_at: Date;
  correction: string | null;
  corrected_at: Date | null;
}

export type NewEpisode = Omit<EpisodeEntity, 'createdAt'>;

/** The property -> column map of a new episode (created_at takes its default; recall_text is generated). */
const EPISODE_COLUMN_OF: Record<keyof NewEpisode, string> = {
  id: 'id',
  agentId: 'agent_id',
  executionId: 'execution_id',
  sessionId: 'session_id',
  task: 'task',
  output: 'output',
  outcome: 'outcome',
  status: 'status',
  maturityAtTime: 'maturity_at_time',
  steps: 'steps',
  humanInterventionCount: 'human_intervention_count',
  governanceViolations: 'governance_violations',
  complianceScore: 'compliance_score',
  aggregateFeedbackScore: 'aggregate_feedback_score',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  durationMs: 'duration_ms',
};

/** The columns a new episode is written with: for insertFromJsonSql, with episodeJson() as the parameter. */
export const EPISODE_COLUMNS: readonly string[] = Object.values(EPISODE_COLUMN_OF);

/** A new episode as the jsonb parameter of insertFromJsonSql (keys are column names; dates in ISO form). */
export function episodeJson(episode: NewEpisode): string {
  const row: Record<string, unknown> = {};
  for (const [property, column] of Object.entries(EPISODE_COLUMN_OF)) row[column] = episode[property as keyof NewEpisode];
  return jsonbParam(row);
}

const SORT_COLUMNS: Record<EpisodeSort, string> = {
  completed_at: 'e.completed_at',
  aggregate_feedback_score: 'e.aggregate_feedback_score',
  compliance_score: 'e.compliance_score',
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The completed_at window of an episode list: `from` inclusive; `to` inclusive, a bare date meaning
 * that whole (UTC) day. A window that ends before it starts is a 400.
 */
export function completedWindow(from?: string, to?: string): { from?: Date; toExclusive?: Date; toInclusive?: Date } {
  const window: { from?: Date; toExclusive?: Date; toInclusive?: Date } = {};
  if (from) window.from = new Date(DATE_ONLY.test(from) ? `${from}T00:00:00Z` : from);
  if (to && DATE_ONLY.test(to)) window.toExclusive = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000);
  else if (to) window.toInclusive = new Date(to);
  const end = window.toExclusive ?? window.toInclusive;
  if (window.from && end && (window.toExclusive ? end <= window.from : end < window.from)) {
    throw invalidInput('`from` is after `to`', [{ field: 'from', errors: ['from must not be after to'] }]);
  }
  return window;
}

/**
 * English function words (3+ letters: shorter ones never reach the list), and the pieces contractions
 * split into ("don't" -> "don"). They occur in almost every text, so matching them only adds noise to
 * the ranking (and a substring scan of every recent episode per word).
 */
const STOP_WORDS = new Set(
  (
    'about above after again against all also and any are because been before being below between both but can could did does doing ' +
    'down during each few for from further had has have having her here hers herself him himself his how into its itself just more most ' +
    'myself nor not now off once only other our ours ourselves out over own please same she should some such than that the their theirs ' +
    'them themselves then there these they this those through too under until very was were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves aren couldn didn doesn don hadn hasn haven isn shouldn wasn weren won wouldn'
  ).split(' '),
);

/** Words worth matching: lowercase, 3+ characters, no stop words, at most 8 of them. */
export function recallTerms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]{3,}/gu) ?? [];
  return [...new Set(words.filter((word) => !STOP_WORDS.has(word)))].slice(0, 8);
}

/** How many episodes a recall returns: 1 to 10. */
export function recallLimit(limit: number): number {
  return Math.min(Math.max(limit, 1), 10);
}

/** The LIKE patterns of recallSql, one per term (its wildcards escaped, as for every `q` filter). */
export function recallPatterns(terms: string[]): string[] {
  return terms.map(likePattern);
}

/**
 * The recall statement: $1 the agent, `limit` (default $2) how many, then `termCount` patterns
 * (recallPatterns) from parameter number `firstTerm`. The last 200 episodes come first (the index on
 * (agent_id, completed_at)), each scored once over recall_text (task and output, lowercased when the
 * episode was written: migration 0010); only the best `limit` are read whole. Scanning the text is
 * most of the cost, so: the OFFSET 0 fence keeps PostgreSQL from inlining the score into the WHERE and
 * ORDER BY (it has no common-subexpression elimination), `recall_text || ''` detoasts (decompresses or
 * fetches) the text once per episode instead of once per term, and the 200 rows carried through the
 * sorts hold no task or output. Also a subquery of a chat turn's context read.
 */
export function recallSql(schema: string, termCount: number, firstTerm: number, limit = '$2'): string {
  const score = Array.from({ length: termCount }, (_, i) => `(CASE WHEN recent.recall_text LIKE $${firstTerm + i} THEN 1 ELSE 0 END)`).join(' + ');
  // An episode a person corrected is recalled with the correction as its answer, never the wrong one.
  return `SELECT e.id AS episode_id, e.task, coalesce(c.correction, e.output) AS output, e.outcome, e.completed_at FROM (
           SELECT id, completed_at, relevance FROM (
             SELECT recent.id, recent.completed_at, (${score}) AS relevance FROM (
               SELECT id, completed_at, recall_text || '' AS recall_text FROM ${schema}.episodes
                WHERE agent_id = $1 ORDER BY completed_at DESC LIMIT 200
             ) recent
             OFFSET 0
           ) scored
           WHERE relevance > 0
           ORDER BY relevance DESC, completed_at DESC
           LIMIT ${limit}
         ) best
         JOIN ${schema}.episodes e ON e.id = best.id
         LEFT JOIN LATERAL (
           SELECT f.correction FROM ${schema}.feedback f WHERE f.episode_id = best.id AND f.correction IS NOT NULL
            ORDER BY f.updated_at DESC, f.id DESC LIMIT 1
         ) c ON true
         ORDER BY best.relevance DESC, best.completed_at DESC`;
}

/**
 * Episodic memory. Relevance for recall: the number of the query's terms found in an episode's task
 * or output (plain substring match), ties broken by recency; only the agent's last 200 episodes are
 * considered, so recall stays cheap however long an agent lives.
 */
@Injectable()
export class MemoryService {
  constructor(private readonly db: TenantDb) {}

  /** Inside the caller's unit of work: a new episode, in one INSERT. */
  async record(em: EntityManager, episode: NewEpisode): Promise<void> {
    await em.query(insertFromJsonSql('episodes', EPISODE_COLUMNS, '$1'), [episodeJson(episode)]);
  }

  /** Inside the caller's unit of work (which checked the agent): one page of the agent's episodes. */
  async listEpisodes(em: EntityManager, agentId: string, query: EpisodeListQuery): Promise<Paginated<EpisodeEntity>> {
    const qb = em.getRepository(EpisodeEntity).createQueryBuilder('e').where('e.agent_id = :agentId', { agentId });
    if (query.outcome) qb.andWhere('e.outcome = :outcome', { outcome: query.outcome });
    const window = completedWindow(query.from, query.to);
    if (window.from) qb.andWhere('e.completed_at >= :from', { from: window.from });
    if (window.toExclusive) qb.andWhere('e.completed_at < :to', { to: window.toExclusive });
    if (window.toInclusive) qb.andWhere('e.completed_at <= :to', { to: window.toInclusive });
    if (query.q) qb.andWhere('(e.task ILIKE :q OR e.output ILIKE :q)', { q: likePattern(query.q) });
    const total = await qb.getCount();
    const direction = query.order === 'asc' ? 'ASC' : 'DESC';
    const rows = await qb
      .orderBy(SORT_COLUMNS[query.sort], direction, 'NULLS LAST')
      .addOrderBy('e.completed_at', direction)
      .addOrderBy('e.id', direction)
      .limit(query.limit)
      .offset((query.page - 1) * query.limit)
      .getMany();
    return paginate(rows, total, query);
  }

  /**
   * The agent's episodes worth learning from, best first, at most `limit`: every episode that has a
   * correction (its latest one), then the successful ones by feedback score (unrated last), compliance
   * score and recency. Which of them become examples is the training's choice.
   */
  async trainingCandidates(tenant: TenantScope, agentId: string, limit: number): Promise<TrainingCandidate[]> {
    return this.db.run(tenant, (em) =>
      em.query(
        `SELECT e.id AS episode_id, e.task, e.output, e.outcome, e.aggregate_feedback_score, e.compliance_score, e.completed_at,
                c.correction, c.updated_at AS corrected_at
           FROM episodes e
           LEFT JOIN LATERAL (
             SELECT f.correction, f.updated_at FROM feedback f
              WHERE f.episode_id = e.id AND f.correction IS NOT NULL
              ORDER BY f.updated_at DESC, f.id DESC LIMIT 1
           ) c ON true
          WHERE e.agent_id = $1 AND (c.correction IS NOT NULL OR (e.outcome = 'success' AND e.output IS NOT NULL))
          ORDER BY (c.correction IS NOT NULL) DESC, c.updated_at DESC NULLS LAST,
                   e.aggregate_feedback_score DESC NULLS LAST, e.compliance_score DESC, e.completed_at DESC, e.id
          LIMIT $2`,
        [agentId, limit],
      ),
    );
  }

  async recall(tenant: TenantScope, agentId: string, query: string, limit = 3): Promise<RecalledEpisode[]> {
    const terms = recallTerms(query);
    if (terms.length === 0) return [];
    return this.db.select<RecalledEpisode>(tenant, (schema) => recallSql(schema, terms.length, 3), [agentId, recallLimit(limit), ...recallPatterns(terms)]);
  }

  /**
   * Inside the caller's unit of work: the aggregates graduation's readiness needs over the agent's
   * last `size` finished episodes (newest by completed_at), and how many finished episodes it has
   * (counted up to `countCap`). One statement over bounded reads of the episodes_agent index, so it
   * costs the same however many episodes the agent has.
   */
  async readinessWindow(em: EntityManager, agentId: string, size: number, countCap: number): Promise<ReadinessWindow> {
    const [row] = (await em.query(readinessWindowSql('episodes'), [agentId, size, countCap])) as ReadinessWindow[];
    return row;
  }
}

// Every episode is finished (the table's CHECK on outcome): the count reads the (agent_id, completed_at)
// index alone, and only up to the cap. $1 agent, $2 window size, $3 count cap.
export function readinessWindowSql(episodes: string): string {
  return `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM ${episodes} WHERE agent_id = $1 LIMIT $3) c) AS total_episodes,
                 count(*)::int AS episodes,
                 count(*) FILTER (WHERE w.human_intervention_count = 0)::int AS zero_intervention,
                 count(*) FILTER (WHERE w.outcome = 'success')::int AS successes,
                 avg(w.compliance_score)::float8 AS mean_compliance,
                 avg((w.aggregate_feedback_score + 1) / 2)::float8 AS mean_feedback,
                 count(w.aggregate_feedback_score)::int AS rated
            FROM (SELECT human_intervention_count, outcome, compliance_score, aggregate_feedback_score FROM ${episodes}
                   WHERE agent_id = $1 ORDER BY completed_at DESC LIMIT $2) w`;
}

/** What readiness reads from an agent's episode window (feedback mapped to 0..1 as (x+1)/2, averaged over the rated ones). */
export interface ReadinessWindow {
  total_episodes: number;
  episodes: number;
  zero_intervention: number;
  successes: number;
  mean_compliance: number | null;
  mean_feedback: number | null;
  rated: number;
}
