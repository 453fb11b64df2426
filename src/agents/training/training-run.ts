import type { TrainingSource } from './example-selection';

export const TRAINING_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];

/** A row of training_runs, as the queries return it (snake_case, like the wire). */
export interface TrainingRunRow {
  id: string;
  agent_id: string;
  source: TrainingSource;
  max_examples: number;
  status: TrainingStatus;
  progress: number;
  examples_count: number | null;
  error: string | null;
  created_by: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
}

export const TRAINING_RUN_COLUMNS =
  'id, agent_id, source, max_examples, status, progress, examples_count, error, created_by, started_at, completed_at, created_at';
