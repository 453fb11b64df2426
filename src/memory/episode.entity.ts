import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type EpisodeOutcome = 'success' | 'failure' | 'partial';

/** One finished execution or chat turn of an agent: its episodic memory. */
@Entity({ name: 'episodes' })
export class EpisodeEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'agent_id', type: 'uuid' }) agentId: string;
  @Column({ name: 'execution_id', type: 'uuid', nullable: true }) executionId: string | null;
  @Column({ name: 'session_id', type: 'uuid', nullable: true }) sessionId: string | null;
  @Column({ type: 'text' }) task: string;
  @Column({ type: 'text', nullable: true }) output: string | null;
  @Column({ type: 'text' }) outcome: EpisodeOutcome;
  @Column({ type: 'text' }) status: string;
  @Column({ name: 'maturity_at_time', type: 'text' }) maturityAtTime: string;
  @Column({ type: 'jsonb' }) steps: Record<string, unknown>[];
  @Column({ name: 'human_intervention_count', type: 'integer' }) humanInterventionCount: number;
  @Column({ name: 'governance_violations', type: 'integer' }) governanceViolations: number;
  @Column({ name: 'compliance_score', type: 'double precision' }) complianceScore: number;
  @Column({ name: 'aggregate_feedback_score', type: 'double precision', nullable: true }) aggregateFeedbackScore: number | null;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt: Date;
  @Column({ name: 'completed_at', type: 'timestamptz' }) completedAt: Date;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
