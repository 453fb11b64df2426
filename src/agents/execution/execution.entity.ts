import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const EXECUTION_STATUSES = ['queued', 'running', 'success', 'failed', 'blocked', 'awaiting_approval'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

@Entity({ name: 'executions' })
export class ExecutionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'agent_id', type: 'uuid' }) agentId: string;
  @Column({ name: 'episode_id', type: 'uuid' }) episodeId: string;
  @Column({ type: 'text' }) status: ExecutionStatus;
  @Column({ type: 'text', default: 'normal' }) mode: 'normal' | 'exam';
  @Column({ type: 'text' }) task: string;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) context: Record<string, unknown>;
  @Column({ type: 'text', nullable: true }) output: string | null;
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" }) steps: Record<string, unknown>[];
  @Column({ type: 'jsonb', nullable: true }) state: Record<string, unknown> | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ type: 'text', nullable: true }) provider: string | null;
  @Column({ type: 'text', nullable: true }) model: string | null;
  @Column({ name: 'prompt_tokens', type: 'integer', default: 0 }) promptTokens: number;
  @Column({ name: 'completion_tokens', type: 'integer', default: 0 }) completionTokens: number;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ name: 'duration_ms', type: 'integer', nullable: true }) durationMs: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
