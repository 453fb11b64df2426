import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { AgentStatus, MaturityLevel } from './maturity';

@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) role: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ name: 'system_prompt', type: 'text', nullable: true }) systemPrompt: string | null;
  @Column({ type: 'text', nullable: true }) model: string | null;
  @Column({ type: 'text', array: true, default: () => "'{}'" }) tools: string[];
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) config: Record<string, unknown>;
  @Column({ name: 'maturity_level', type: 'text', default: 'student' }) maturityLevel: MaturityLevel;
  @Column({ type: 'text', default: 'active' }) status: AgentStatus;
  @Column({ name: 'readiness_score', type: 'double precision', nullable: true }) readinessScore: number | null;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
