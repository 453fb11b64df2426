import type { TrainingCandidate } from '../../memory/memory.service';

export const TRAINING_SOURCES = ['feedback', 'episodes', 'edge_cases'] as const;
export type TrainingSource = (typeof TRAINING_SOURCES)[number];
export type ExampleOrigin = 'correction' | 'episode' | 'edge_case';

export const DEFAULT_MAX_EXAMPLES = 20;
export const MAX_MAX_EXAMPLES = 100;

export interface SelectedExample {
  input: string;
  output: string;
  origin: ExampleOrigin;
  /** The episode's aggregate feedback score; null for a correction (a person's own answer is not rated). */
  score: number | null;
  /** null for an example taken from an edge case. */
  source_episode_id: string | null;
}

/** An edge case as training reads it (graduation owns edge cases and hands them over: see EdgeCaseExampleSource). */
export interface EdgeCaseCandidate {
  input: string;
  expected_type: 'contains' | 'not_contains' | 'regex' | 'equals';
  expected_value: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  created_at: Date | string;
}

const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;

/**
 * Examples from edge cases: only those whose expected answer is a whole answer (`equals`) or a part
 * the answer must contain (`contains`: the part is the example's answer); `not_contains` and `regex`
 * say what an answer must not be or look like, not what it is. Most severe first, then newest;
 * deduplicated by normalised input, capped at `max`.
 */
export function selectEdgeCaseExamples(cases: EdgeCaseCandidate[], max: number): SelectedExample[] {
  const usable = cases
    .filter((edge) => (edge.expected_type === 'equals' || edge.expected_type === 'contains') && edge.expected_value.trim() !== '')
    .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || new Date(b.created_at).getTime() - new Date(a.created_at).getTime());
  const seen = new Set<string>();
  const selected: SelectedExample[] = [];
  for (const edge of usable) {
    if (selected.length >= max) break;
    const key = normaliseInput(edge.input);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    selected.push({ input: edge.input, output: edge.expected_value, origin: 'edge_case', score: null, source_episode_id: null });
  }
  return selected;
}

interface Ranked extends SelectedExample {
  source_episode_id: string;
  key: string;
  corrected_at: number;
  compliance_score: number;
  completed_at: number;
}

/** Inputs that differ only in case, spacing or Unicode form are the same task. */
export function normaliseInput(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Best first: corrections (a person wrote the right answer; the newest first), then episodes by
 * feedback score (unrated last), compliance score and recency; the episode id breaks the last ties.
 */
function compare(a: Ranked, b: Ranked): number {
  if (a.origin !== b.origin) return a.origin === 'correction' ? -1 : 1;
  if (a.origin === 'correction') return b.corrected_at - a.corrected_at || a.source_episode_id.localeCompare(b.source_episode_id);
  if (a.score !== b.score) {
    if (a.score === null) return 1;
    if (b.score === null) return -1;
    return b.score - a.score;
  }
  return (
    b.compliance_score - a.compliance_score ||
    b.completed_at - a.completed_at ||
    a.source_episode_id.localeCompare(b.source_episode_id)
  );
}

/**
 * The learned example set a run builds from an agent's episodes. An episode's latest correction
 * replaces its output (and makes it eligible whatever its outcome). Otherwise a successful episode
 * qualifies with source `feedback` when people rated it positively (aggregate > 0), with source
 * `episodes` unless people rated it negatively (unrated ones too). Deduplicated by normalised input
 * (the best one stays), then capped at `max`.
 */
export function selectExamples(candidates: TrainingCandidate[], source: Exclude<TrainingSource, 'edge_cases'>, max: number): SelectedExample[] {
  const eligible: Ranked[] = [];
  for (const candidate of candidates) {
    const base = {
      input: candidate.task,
      source_episode_id: candidate.episode_id,
      key: normaliseInput(candidate.task),
      compliance_score: candidate.compliance_score,
      completed_at: new Date(candidate.completed_at).getTime(),
    };
    if (!base.key) continue;
    if (candidate.correction !== null && candidate.correction.trim() !== '') {
      eligible.push({
        ...base,
        output: candidate.correction,
        origin: 'correction',
        score: null,
        corrected_at: candidate.corrected_at ? new Date(candidate.corrected_at).getTime() : 0,
      });
      continue;
    }
    if (candidate.outcome !== 'success' || candidate.output === null || candidate.output.trim() === '') continue;
    const score = candidate.aggregate_feedback_score;
    const qualifies = source === 'feedback' ? score !== null && score > 0 : score === null || score >= 0;
    if (qualifies) eligible.push({ ...base, output: candidate.output, origin: 'episode', score, corrected_at: 0 });
  }
  eligible.sort(compare);
  const seen = new Set<string>();
  const selected: SelectedExample[] = [];
  for (const example of eligible) {
    if (selected.length >= max) break;
    if (seen.has(example.key)) continue;
    seen.add(example.key);
    selected.push({
      input: example.input,
      output: example.output,
      origin: example.origin,
      score: example.score,
      source_episode_id: example.source_episode_id,
    });
  }
  return selected;
}
