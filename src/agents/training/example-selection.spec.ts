import type { TrainingCandidate } from '../../memory/memory.service';
import { normaliseInput, selectEdgeCaseExamples, selectExamples, type EdgeCaseCandidate } from './example-selection';

let counter = 0;
function episode(fields: Partial<TrainingCandidate>): TrainingCandidate {
  counter += 1;
  return {
    episode_id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    task: `task ${counter}`,
    output: `answer ${counter}`,
    outcome: 'success',
    aggregate_feedback_score: null,
    compliance_score: 1,
    completed_at: new Date(Date.UTC(2025, 0, 1, 0, counter)),
    correction: null,
    corrected_at: null,
    ...fields,
  };
}

describe('normaliseInput', () => {
  it('ignores case, spacing and Unicode form', () => {
    expect(normaliseInput('  Summarize\tTHE   report \n')).toBe('summarize the report');
    expect(normaliseInput('ｆｕｌｌ width')).toBe('full width');
  });
});

describe('selectExamples', () => {
  it('source feedback: corrections (as the answer, whatever the outcome) and positively rated successes only', () => {
    const corrected = episode({ outcome: 'failure', output: 'wrong', correction: 'right', corrected_at: new Date('2025-02-01') });
    const liked = episode({ aggregate_feedback_score: 0.5 });
    const disliked = episode({ aggregate_feedback_score: -1 });
    const neutral = episode({ aggregate_feedback_score: 0 });
    const unrated = episode({});
    const likedFailure = episode({ outcome: 'failure', aggregate_feedback_score: 1 });
    const selected = selectExamples([unrated, neutral, disliked, liked, corrected, likedFailure], 'feedback', 20);
    expect(selected).toEqual([
      { input: corrected.task, output: 'right', origin: 'correction', score: null, source_episode_id: corrected.episode_id },
      { input: liked.task, output: liked.output, origin: 'episode', score: 0.5, source_episode_id: liked.episode_id },
    ]);
  });

  it('source episodes: successful episodes that are not rated negatively, by score (unrated last), compliance, recency', () => {
    const older = episode({ completed_at: new Date('2025-01-01') });
    const newer = episode({ completed_at: new Date('2025-01-02') });
    const lessCompliant = episode({ compliance_score: 0.6, completed_at: new Date('2025-01-03') });
    const rated = episode({ aggregate_feedback_score: 0 });
    const best = episode({ aggregate_feedback_score: 1 });
    const disliked = episode({ aggregate_feedback_score: -0.5 });
    const partial = episode({ outcome: 'partial' });
    const noOutput = episode({ output: null });
    const selected = selectExamples([older, newer, lessCompliant, rated, best, disliked, partial, noOutput], 'episodes', 20);
    expect(selected.map((example) => example.source_episode_id)).toEqual([
      best.episode_id,
      rated.episode_id,
      newer.episode_id,
      older.episode_id,
      lessCompliant.episode_id,
    ]);
  });

  it('a correction replaces the output and ranks first; newer corrections before older ones', () => {
    const old = episode({ correction: 'old fix', corrected_at: new Date('2025-01-01'), aggregate_feedback_score: -1 });
    const recent = episode({ correction: 'new fix', corrected_at: new Date('2025-03-01') });
    const liked = episode({ aggregate_feedback_score: 1 });
    const selected = selectExamples([liked, old, recent], 'episodes', 20);
    expect(selected.map((example) => [example.origin, example.output])).toEqual([
      ['correction', 'new fix'],
      ['correction', 'old fix'],
      ['episode', liked.output],
    ]);
  });

  it('deduplicates by normalised input, keeping the best', () => {
    const weak = episode({ task: 'Reply to ACME', aggregate_feedback_score: 0.5, output: 'weak' });
    const strong = episode({ task: '  reply to   acme ', aggregate_feedback_score: 1, output: 'strong' });
    const corrected = episode({ task: 'REPLY TO ACME', correction: 'corrected', corrected_at: new Date('2025-01-01') });
    expect(selectExamples([weak, strong], 'feedback', 20).map((example) => example.output)).toEqual(['strong']);
    expect(selectExamples([weak, strong, corrected], 'feedback', 20).map((example) => example.output)).toEqual(['corrected']);
  });

  it('caps at max after deduplicating', () => {
    const many = Array.from({ length: 30 }, (_, i) => episode({ aggregate_feedback_score: 1 - i / 100 }));
    const duplicate = episode({ task: many[0].task, aggregate_feedback_score: 0.9999 });
    const selected = selectExamples([...many, duplicate], 'feedback', 5);
    expect(selected.map((example) => example.source_episode_id)).toEqual(many.slice(0, 5).map((e) => e.episode_id));
  });

  it('skips blank tasks, blank outputs and blank corrections', () => {
    const blankTask = episode({ task: '   ', aggregate_feedback_score: 1 });
    const blankOutput = episode({ output: '  ', aggregate_feedback_score: 1 });
    const blankCorrection = episode({ outcome: 'failure', correction: ' ', corrected_at: new Date() });
    expect(selectExamples([blankTask, blankOutput, blankCorrection], 'episodes', 20)).toEqual([]);
  });
});

describe('selectEdgeCaseExamples', () => {
  const edge = (over: Partial<EdgeCaseCandidate>): EdgeCaseCandidate => ({
    input: 'Q',
    expected_type: 'equals',
    expected_value: 'A',
    severity: 'medium',
    created_at: '2026-01-01T00:00:00Z',
    ...over,
  });

  it('keeps equals and contains answers, most severe first, then newest', () => {
    const picked = selectEdgeCaseExamples(
      [
        edge({ input: 'low', severity: 'low' }),
        edge({ input: 'old high', severity: 'high', created_at: '2026-01-01T00:00:00Z' }),
        edge({ input: 'new high', severity: 'high', created_at: '2026-02-01T00:00:00Z' }),
        edge({ input: 'critical part', severity: 'critical', expected_type: 'contains', expected_value: 'part' }),
        edge({ input: 'never', severity: 'critical', expected_type: 'not_contains' }),
        edge({ input: 'shape', severity: 'critical', expected_type: 'regex', expected_value: '^x$' }),
      ],
      10,
    );
    expect(picked.map((example) => example.input)).toEqual(['critical part', 'new high', 'old high', 'low']);
    expect(picked[0]).toEqual({ input: 'critical part', output: 'part', origin: 'edge_case', score: null, source_episode_id: null });
  });

  it('deduplicates by normalised input, skips empty answers and caps the set', () => {
    const picked = selectEdgeCaseExamples(
      [edge({ input: 'Same  Question', severity: 'high' }), edge({ input: 'same question' }), edge({ input: 'blank', expected_value: '  ' }), edge({ input: 'third' })],
      10,
    );
    expect(picked.map((example) => example.input)).toEqual(['Same  Question', 'third']);
    expect(selectEdgeCaseExamples([edge({ input: 'a' }), edge({ input: 'b' })], 1)).toHaveLength(1);
  });
});
