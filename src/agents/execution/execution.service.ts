import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthContext } from '../../auth/principal';
import { AppError } from '../../common/http/error-codes';
import { insertFromJsonSql, jsonbParam, withoutNul } from '../../database/json-insert';
import { TenantDb } from '../../database/tenant-db';
import { MemoryService } from '../../memory/memory.service';
import type { TenantRecord } from '../../tenancy/tenant.entity';
import { WebhookEvents } from '../../webhooks/webhook-events.service';
import { maxStepsOf } from '../agent-config';
import { assertAgentActive } from '../agent-status';
import { AgentEntity } from '../agent.entity';
import { AgentsService } from '../agents.service';
import { ActionRegistry } from '../governance/actions';
import { decide, governanceViolationDetails } from '../governance/policy';
import { learnedExamplesBlock, loadLearnedExamples, type LearnedExample } from '../training/learned-examples';
import { complianceScore } from './compliance';
import type { ExecuteAgentDto } from './dto/execution.dto';
import { ExecutionEntity, ExecutionStatus } from './execution.entity';
import { LLM_PROVIDER, LlmError, type LlmMessage, type LlmProvider, type LlmToolCall } from './llm/llm.types';
import type { ConversationResult, ConversationStatus, ConverseOptions } from './conversation';
import type { LlmResponse } from './llm/llm.types';
import { approximateTokens, approximateTokensOfLength, CallDeadline } from './llm/provider-call';

type Complexity = 1 | 2 | 3 | 4;
export const EXECUTION_DEADLINE_MS = 5 * 60_000;

interface Decision {
  action: string;
  complexity: Complexity;
  decision: 'allow' | 'require_approval' | 'block';
  reason: string;
}

/** Everything a run accumulates; kept in memory while the model works, written once at the end. */
interface RunState {
  messages: LlmMessage[];
  steps: Record<string, unknown>[];
  decisions: Decision[];
  blocked: Complexity[];
  interventions: number;
  promptTokens: number;
  completionTokens: number;
  modelCalls: number;
  provider: string | null;
  model: string | null;
}

/** What a tool call needs to know of the run it belongs to: the id actions report (execution or chat turn) and the mode. */
interface ToolRun {
  id: string;
  mode: ExecutionEntity['mode'];
}

/** One model call's answer added to the run: counters, tokens, the model that answered and a `model` step. */
function recordModelCall(state: RunState, response: LlmResponse): void {
  state.modelCalls += 1;
  state.promptTokens += response.usage.promptTokens;
  state.completionTokens += response.usage.completionTokens;
  state.model = response.model;
  state.steps.push({
    type: 'model',
    content: response.content,
    tool_calls: response.toolCalls.map((call) => ({ name: call.name, arguments: call.arguments })),
    usage: { prompt_tokens: response.usage.promptTokens, completion_tokens: response.usage.completionTokens },
  });
}

/** What a paused execution keeps in executions.state: the run so far and the calls still to make. */
type SavedState = RunState & { pending: LlmToolCall[] };

export interface ExecutionOutcome {
  execution: ExecutionEntity;
  accepted: boolean;
}

/**
 * The execution loop: system prompt + recalled episodes + task, then model calls; each tool call the
 * model makes is judged by governance (allow / wait for approval / block) before it runs. No database
 * connection is held while the model or an action works: load, release, call out, write.
 */
@Injectable()
export class ExecutionService {
  private readonly logger = new Logger('Execution');

  constructor(
    private readonly db: TenantDb,
    private readonly agents: AgentsService,
    private readonly memory: MemoryService,
    private readonly actions: ActionRegistry,
    @Inject(LLM_PROVIDER) private readonly llm: LlmProvider,
    private readonly events: WebhookEvents,
  ) {}

  async start(ctx: AuthContext, agentId: string, dto: ExecuteAgentDto): Promise<ExecutionOutcome> {
    const { agent, examples } = await this.db.run(ctx.tenant, async (em) => {
      const found = await this.agents.findOrFail(em, agentId);
      return { agent: found, examples: await loadLearnedExamples(em, found.id) };
    });
    assertAgentActive(agent, 'execute');
    const explicit = typeof dto.context?.action === 'string' ? dto.context.action : undefined;
    if (explicit) await this.assertExplicitActionAllowed(ctx.tenant, agent, explicit, dto.context ?? {});

    const execution = await this.db.run(ctx.tenant, (em) => {
      const repo = em.getRepository(ExecutionEntity);
      return repo.save(
        repo.create({
          id: randomUUID(),
          episodeId: randomUUID(),
          agentId: agent.id,
          status: dto.async ? 'queued' : 'running',
          task: dto.task,
          context: dto.context ?? {},
          steps: [],
          createdBy: ctx.principal.id,
          startedAt: new Date(),
        }),
      );
    });
    if (dto.async) {
      // Detached from the request; a crash leaves it queued/running, which start-up recovery fails.
      setImmediate(() => void this.runSafely(ctx.tenant, agent, execution, examples));
      return { execution, accepted: true };
    }
    return { execution: await this.runSafely(ctx.tenant, agent, execution, examples), accepted: false };
  }

  async get(ctx: AuthContext, agentId: string, executionId: string): Promise<ExecutionEntity> {
    return this.db.run(ctx.tenant, async (em) => {
      await this.agents.findOrFail(em, agentId);
      const execution = await em.getRepository(ExecutionEntity).findOne({ where: { id: executionId, agentId } });
      if (!execution) throw new AppError('NOT_FOUND', `Execution '${executionId}' not found`);
      return execution;
    });
  }

  /**
   * Graduation's entry point: one exam question through the same loop, in exam mode. Every action is
   * simulated (ActionContext.simulate), one that would wait for an approval is simulated as if
   * approved (nobody is there to decide), and the run leaves no episode and no agent.executed event:
   * exam runs are not episodes (design.md section 5). Answers the finished execution.
   */
  async runForExam(tenant: TenantRecord, agentId: string, task: string, createdBy: string): Promise<ExecutionEntity> {
    const { agent, examples } = await this.db.run(tenant, async (em) => {
      const found = await this.agents.findOrFail(em, agentId);
      return { agent: found, examples: await loadLearnedExamples(em, found.id) };
    });
    const execution = await this.db.run(tenant, (em) => {
      const repo = em.getRepository(ExecutionEntity);
      const fields = { id: randomUUID(), episodeId: randomUUID(), agentId: agent.id, status: 'running' as const, mode: 'exam' as const, task };
      return repo.save(repo.create({ ...fields, context: {}, steps: [], createdBy, startedAt: new Date() }));
    });
    return this.runSafely(tenant, agent, execution, examples);
  }

  /** A blocked explicit request is refused at once with the governance details (and the decision stored). */
  private async assertExplicitActionAllowed(tenant: TenantRecord, agent: AgentEntity, action: string, context: Record<string, unknown>) {
    const args = (typeof context.arguments === 'object' && context.arguments) || {};
    const complexity = this.actions.complexity(action, args as Record<string, unknown>) as Complexity;
    const verdict = decide(agent.maturityLevel, complexity);
    if (verdict.decision !== 'block') return;
    await this.db.run(tenant, (em) =>
      insertDecisions(em, agent, null, [{ action, complexity, decision: 'block', reason: `requested explicitly; needs ${verdict.requiredLevel}` }]),
    );
    throw new AppError(
      'GOVERNANCE_VIOLATION',
      `A ${agent.maturityLevel} agent may not ${action} (complexity ${complexity}); it needs to be ${verdict.requiredLevel}`,
      governanceViolationDetails(action, complexity, agent.maturityLevel),
    );
  }

  private async runSafely(tenant: TenantRecord, agent: AgentEntity, execution: ExecutionEntity, examples: LearnedExample[] = []): Promise<ExecutionEntity> {
    try {
      return await this.run(tenant, agent, execution, examples);
    } catch (error) {
      this.logger.error(`execution ${execution.id} crashed: ${(error as Error).stack ?? String(error)}`);
      return this.failAfterCrash(tenant, execution);
    }
  }

  private async run(tenant: TenantRecord, agent: AgentEntity, execution: ExecutionEntity, examples: LearnedExample[]): Promise<ExecutionEntity> {
    if (execution.status === 'queued') {
      await this.db.run(tenant, (em) => em.getRepository(ExecutionEntity).update({ id: execution.id }, { status: 'running' }));
    }
    const recalled = await this.memory.recall(tenant, agent.id, execution.task, 3).catch(() => []);
    const state = this.newRunState(agent, buildMessages(agent, execution.task, execution.context, recalled, examples));
    return this.drive(tenant, agent, execution, state, []);
  }

  private newRunState(agent: AgentEntity, messages: LlmMessage[]): RunState {
    const state = { steps: [], decisions: [], blocked: [], interventions: 0, promptTokens: 0, completionTokens: 0, modelCalls: 0 };
    return { ...state, messages, provider: this.llm.name, model: agent.model ?? this.llm.defaultModel };
  }

  /**
   * Runs the tool calls still pending, then model turns, until a final answer, a pause for an
   * approval, or a failure. Resuming after an approval re-enters here with the saved state.
   */
  private async drive(
    tenant: TenantRecord,
    agent: AgentEntity,
    execution: ExecutionEntity,
    state: RunState,
    pending: LlmToolCall[],
    approvedCallId?: string,
  ): Promise<ExecutionEntity> {
    const deadline = new CallDeadline(EXECUTION_DEADLINE_MS);
    const signal = deadline.signal;
    const tools = this.actions.toolSpecs(agent.tools.filter((name) => this.actions.has(name)));
    const maxSteps = maxStepsOf(agent.config);
    let status: ExecutionStatus = 'failed';
    let output: string | null = null;
    let error: string | null = null;

    try {
      let calls = pending;
      for (;;) {
        for (let i = 0; i < calls.length; i += 1) {
          const call = calls[i];
          const outcome = await this.runToolCall(tenant, agent, execution, call, state, signal, call.id === approvedCallId);
          if (outcome.pause) return await this.pause(tenant, agent, execution, state, calls.slice(i), outcome.pause);
          state.messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(outcome.result) });
        }
        if (state.modelCalls >= maxSteps) {
          error = `No final answer within max_steps (${maxSteps})`;
          break;
        }
        const response = wellFormed(await this.llm.complete({ model: agent.model ?? undefined, messages: state.messages, tools, signal }));
        recordModelCall(state, response);
        if (response.toolCalls.length === 0) {
          output = response.content;
          status = state.blocked.length > 0 ? 'blocked' : 'success';
          break;
        }
        state.messages.push({ role: 'assistant', content: response.content, toolCalls: response.toolCalls });
        calls = response.toolCalls;
      }
    } catch (failure) {
      error = failure instanceof LlmError ? `Model provider failed: ${failure.message}` : deadline.timedOut ? 'The execution timed out' : null;
      if (error === null) throw failure;
    } finally {
      deadline.dispose();
    }
    return this.finish(tenant, agent, execution, state, status, output, error);
  }

  private async runToolCall(
    tenant: TenantRecord,
    agent: AgentEntity,
    run: ToolRun,
    call: LlmToolCall,
    state: RunState,
    signal: AbortSignal,
    approved: boolean,
  ): Promise<{ result?: unknown; pause?: { complexity: Complexity } }> {
    if (!agent.tools.includes(call.name) || !this.actions.has(call.name)) {
      state.steps.push({ type: 'tool', name: call.name, arguments: call.arguments, error: 'not one of this agent’s tools' });
      return { result: { error: `Unknown tool '${call.name}'` } };
    }
    const complexity = this.actions.complexity(call.name, call.arguments) as Complexity;
    // The level as it is now: a promotion or demotion applies from the next action on, also in a run
    // already going (an exam keeps the level it is judging).
    if (run.mode !== 'exam') agent.maturityLevel = (await this.agents.currentMaturity(tenant, agent.id)) ?? agent.maturityLevel;
    const verdict = decide(agent.maturityLevel, complexity);
    // An exam has nobody to approve: the action runs simulated, as exam mode runs every action.
    const examApproval = verdict.decision === 'require_approval' && run.mode === 'exam';
    if (verdict.decision === 'require_approval' && !approved && !examApproval) {
      state.decisions.push({ action: call.name, complexity, decision: 'require_approval', reason: `complexity ${complexity} at ${agent.maturityLevel}` });
      return { pause: { complexity } };
    }
    if (verdict.decision === 'block') {
      const reason = `a ${agent.maturityLevel} agent may not take complexity-${complexity} actions`;
      state.decisions.push({ action: call.name, complexity, decision: 'block', reason });
      state.blocked.push(complexity);
      state.steps.push({ type: 'governance', action: call.name, complexity, decision: 'block', required_level: verdict.requiredLevel });
      return { result: { error: `Blocked by governance: ${reason}` } };
    }
    const reason = approved ? 'approved' : examApproval ? 'exam: approval assumed, simulated' : verdict.flagged ? 'allowed, flagged for review' : 'allowed';
    state.decisions.push({ action: call.name, complexity, decision: 'allow', reason });
    const started = Date.now();
    try {
      const result = await this.actions
        .get(call.name)!
        .run(call.arguments, { tenantSlug: tenant.slug, agentId: agent.id, executionId: run.id, simulate: run.mode === 'exam', signal });
      state.steps.push({ type: 'tool', name: call.name, arguments: call.arguments, complexity, flagged: verdict.flagged, result, duration_ms: Date.now() - started });
      return { result };
    } catch (failure) {
      const message = (failure as Error).message ?? String(failure);
      state.steps.push({ type: 'tool', name: call.name, arguments: call.arguments, complexity, error: message, duration_ms: Date.now() - started });
      return { result: { error: message } };
    }
  }

  /** Waits for a person: the approval, the decisions so far and the state to resume from, in one unit of work. */
  private async pause(
    tenant: TenantRecord,
    agent: AgentEntity,
    execution: ExecutionEntity,
    state: RunState,
    pending: LlmToolCall[],
    { complexity }: { complexity: Complexity },
  ): Promise<ExecutionEntity> {
    const [call] = pending;
    return this.db.run(tenant, async (em) => {
      const [{ id: approvalId }] = (await em.query(
        `INSERT INTO approvals (agent_id, execution_id, action, arguments, complexity) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [agent.id, execution.id, call.name, JSON.stringify(call.arguments), complexity],
      )) as { id: string }[];
      state.steps.push({ type: 'approval', action: call.name, complexity, status: 'pending', approval_id: approvalId });
      await this.events.emit(em, tenant, 'approval.requested', {
        approval_id: approvalId,
        agent_id: agent.id,
        execution_id: execution.id,
        action: call.name,
        complexity,
        arguments: call.arguments,
      });
      await insertDecisions(em, agent, execution.id, state.decisions);
      state.decisions = [];
      const saved: SavedState = { ...state, pending };
      await em.getRepository(ExecutionEntity).update(
        { id: execution.id },
        {
          status: 'awaiting_approval',
          steps: state.steps as never,
          state: saved as never,
          provider: state.provider,
          model: state.model,
          promptTokens: state.promptTokens,
          completionTokens: state.completionTokens,
        },
      );
      return em.getRepository(ExecutionEntity).findOneByOrFail({ id: execution.id });
    });
  }

  /**
   * A person's answer to a pending approval. Approving runs the action and resumes the execution
   * (the answer is the execution once it reached its next final or paused state); rejecting ends it
   * as `blocked`. Each answer counts as a human intervention in the episode.
   */
  async decideApproval(ctx: AuthContext, approvalId: string, approve: boolean, reason?: string): Promise<ExecutionEntity> {
    const claimed = await this.db.run(ctx.tenant, async (em) => {
      const [row] = (await em.query(
        `UPDATE approvals SET status = $2, decided_by = $3, decided_at = now(), reason = $4
          WHERE id = $1 AND status = 'pending' RETURNING execution_id, agent_id, action, complexity`,
        [approvalId, approve ? 'approved' : 'rejected', ctx.principal.id, reason ?? null],
      )) as [{ execution_id: string; agent_id: string; action: string; complexity: Complexity }[], number];
      if (row.length === 0) {
        const [existing] = (await em.query('SELECT status FROM approvals WHERE id = $1', [approvalId])) as { status: string }[];
        if (!existing) throw new AppError('NOT_FOUND', `Approval '${approvalId}' not found`);
        throw new AppError('CONFLICT', `This approval was already ${existing.status}`);
      }
      const execution = await em.getRepository(ExecutionEntity).findOneByOrFail({ id: row[0].execution_id });
      const agent = await this.agents.findOrFail(em, row[0].agent_id);
      // Approving makes the agent act: not while it is paused or archived (the throw undoes the claim,
      // so the approval stays pending). Rejecting acts on nothing and is always allowed.
      if (approve) assertAgentActive(agent, 'act on an approval');
      await em.getRepository(ExecutionEntity).update({ id: execution.id }, { status: 'running', state: null });
      return { execution, agent, approval: row[0] };
    });
    const { execution, agent, approval } = claimed;
    const saved = execution.state as unknown as SavedState;
    const { pending, ...state } = saved;
    state.interventions += 1;
    state.steps.push({ type: 'approval', action: approval.action, status: approve ? 'approved' : 'rejected', by: ctx.principal.id });
    if (approve) return this.driveSafely(ctx.tenant, agent, execution, state, pending, pending[0].id);
    state.decisions.push({ action: approval.action, complexity: approval.complexity, decision: 'block', reason: 'approval rejected' });
    state.blocked.push(approval.complexity);
    return this.finish(ctx.tenant, agent, execution, state, 'blocked', null, 'The approval was rejected');
  }

  private async driveSafely(
    tenant: TenantRecord,
    agent: AgentEntity,
    execution: ExecutionEntity,
    state: RunState,
    pending: LlmToolCall[],
    approvedCallId: string,
  ): Promise<ExecutionEntity> {
    try {
      return await this.drive(tenant, agent, execution, state, pending, approvedCallId);
    } catch (error) {
      this.logger.error(`execution ${execution.id} crashed after an approval: ${(error as Error).stack ?? String(error)}`);
      return this.failAfterCrash(tenant, execution);
    }
  }

  /** One unit of work: the execution's result, its governance decisions and its episode. */
  private async finish(
    tenant: TenantRecord,
    agent: AgentEntity,
    execution: ExecutionEntity,
    state: RunState,
    status: ExecutionStatus,
    output: string | null,
    error: string | null,
  ): Promise<ExecutionEntity> {
    const completedAt = new Date();
    const startedAt = execution.startedAt ?? execution.createdAt;
    const durationMs = completedAt.getTime() - startedAt.getTime();
    return this.db.run(tenant, async (em) => {
      const repo = em.getRepository(ExecutionEntity);
      await repo.update(
        { id: execution.id },
        {
          status,
          output,
          error,
          steps: state.steps as never,
          provider: state.provider,
          model: state.model,
          promptTokens: state.promptTokens,
          completionTokens: state.completionTokens,
          completedAt,
          durationMs,
        },
      );
      await insertDecisions(em, agent, execution.id, state.decisions);
      // Exam runs are not episodes, and not executions anyone subscribed to (design.md section 5).
      if (execution.mode === 'exam') return repo.findOneByOrFail({ id: execution.id });
      await this.memory.record(em, {
        id: execution.episodeId,
        agentId: agent.id,
        executionId: execution.id,
        sessionId: null,
        task: execution.task,
        output,
        outcome: status === 'success' ? 'success' : status === 'blocked' ? 'partial' : 'failure',
        status,
        maturityAtTime: agent.maturityLevel,
        steps: state.steps,
        humanInterventionCount: state.interventions,
        governanceViolations: state.blocked.length,
        complianceScore: complianceScore(state.blocked),
        aggregateFeedbackScore: null,
        startedAt,
        completedAt,
        durationMs,
      });
      await this.emitExecuted(em, tenant, agent.id, execution.id, status, output);
      return repo.findOneByOrFail({ id: execution.id });
    });
  }

  private async failAfterCrash(tenant: TenantRecord, execution: ExecutionEntity): Promise<ExecutionEntity> {
    return this.db.run(tenant, async (em) => {
      await em.getRepository(ExecutionEntity).update(
        { id: execution.id },
        { status: 'failed', error: 'Internal error during the execution', completedAt: new Date() },
      );
      await this.emitExecuted(em, tenant, execution.agentId, execution.id, 'failed', null);
      return em.getRepository(ExecutionEntity).findOneByOrFail({ id: execution.id });
    });
  }

  /**
   * A chat turn (src/chat): the loop and governance of an execution, with the model streamed and no
   * execution row. `messages` come ready (buildMessages plus the session's history). Text goes to
   * `onDelta` as it arrives; the texts of successive model calls are joined by a blank line, so the
   * deltas add up to `content` exactly. A tool call that needs an approval is not run (a conversation
   * cannot wait for a person): the model is told so and the decision is kept. Aborting the signal ends
   * the turn `interrupted` with the text so far. Holds no database connection: the caller stores the
   * result (with decisionsJson for the governance decisions).
   */
  async converse(tenant: TenantRecord, agent: AgentEntity, messages: LlmMessage[], options: ConverseOptions): Promise<ConversationResult> {
    // Not AbortSignal.any with AbortSignal.timeout: that pair cost ~80 us and kept ~3.5 KB alive for the
    // whole five minutes after every turn; this timer is cleared when the turn ends.
    const deadline = new CallDeadline(EXECUTION_DEADLINE_MS, options.signal);
    const signal = deadline.signal;
    const tools = this.actions.toolSpecs(agent.tools.filter((name) => this.actions.has(name)));
    const maxSteps = maxStepsOf(agent.config);
    const turn: ToolRun = { id: options.turnId, mode: 'normal' };
    const state = this.newRunState(agent, [...messages]);
    // The deltas, joined once at the end, and the length of the current call's text: a chain of
    // concatenations per string cost a 32-byte node per delta, kept alive for the whole turn.
    const pieces: string[] = [];
    let callChars = 0;
    let awaitingApproval = 0;
    let status: ConversationStatus = 'failed';
    let error: string | null = null;
    try {
      for (;;) {
        if (state.modelCalls >= maxSteps) {
          error = `No final answer within max_steps (${maxSteps})`;
          break;
        }
        callChars = 0;
        let response: LlmResponse | undefined;
        for await (const event of this.llm.stream({ model: agent.model ?? undefined, messages: state.messages, tools, signal })) {
          if (event.type === 'done') response = wellFormed(event.response);
          else if (event.content) {
            const content = withoutNul(event.content);
            const piece = callChars === 0 && pieces.length > 0 ? `\n\n${content}` : content;
            callChars += content.length;
            pieces.push(piece);
            options.onDelta(piece);
          }
        }
        if (!response) throw new LlmError('the stream ended without an answer', true);
        recordModelCall(state, response);
        if (response.toolCalls.length === 0) {
          status = state.blocked.length > 0 || awaitingApproval > 0 ? 'blocked' : 'success';
          break;
        }
        state.messages.push({ role: 'assistant', content: response.content, toolCalls: response.toolCalls });
        for (const call of response.toolCalls) {
          const outcome = await this.runToolCall(tenant, agent, turn, call, state, signal, false);
          let result = outcome.result;
          if (outcome.pause) {
            awaitingApproval += 1;
            state.steps.push({ type: 'governance', action: call.name, complexity: outcome.pause.complexity, decision: 'require_approval', run: false });
            result = { error: `Not run: ${call.name} needs a person's approval, which a chat turn cannot wait for` };
          }
          state.messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(result) });
        }
      }
    } catch (failure) {
      if (options.signal.aborted) {
        status = 'interrupted';
        // The unfinished call, estimated: providers report usage only at the end of a stream.
        state.promptTokens += approximateTokens(state.messages.map((m) => m.content).join('\n'));
        state.completionTokens += approximateTokensOfLength(callChars);
      } else if (failure instanceof LlmError) error = `Model provider failed: ${failure.message}`;
      else if (deadline.timedOut) error = 'The turn timed out';
      else throw failure;
    } finally {
      deadline.dispose();
    }
    return {
      content: pieces.join(''),
      status,
      error,
      steps: state.steps,
      blocked: state.blocked,
      awaitingApproval,
      usage: { promptTokens: state.promptTokens, completionTokens: state.completionTokens },
      provider: state.provider,
      model: state.model,
      decisions: state.decisions,
    };
  }

  /** `agent.executed` carries exactly the reference's fields; `status` is the execution's. */
  private emitExecuted(em: EntityManager, tenant: TenantRecord, agentId: string, executionId: string, status: ExecutionStatus, output: string | null) {
    return this.events.emit(em, tenant, 'agent.executed', { agent_id: agentId, execution_id: executionId, status, result: output });
  }
}

async function insertDecisions(em: EntityManager, agent: AgentEntity, executionId: string | null, decisions: Decision[]): Promise<void> {
  if (decisions.length === 0) return;
  await em.query(insertFromJsonSql('governance_decisions', DECISION_COLUMNS, '$1', { many: true }), [decisionsJson(agent, executionId, decisions)]);
}

/** The columns a governance decision is written with: for insertFromJsonSql, with decisionsJson() as the parameter. */
export const DECISION_COLUMNS = ['agent_id', 'execution_id', 'action', 'complexity', 'maturity_level', 'decision', 'reason'] as const;

/** The decisions of a run as the jsonb array parameter of insertFromJsonSql (`many`). */
export function decisionsJson(agent: Pick<AgentEntity, 'id' | 'maturityLevel'>, executionId: string | null, decisions: readonly Decision[]): string {
  return jsonbParam(
    decisions.map((decision) => ({
      agent_id: agent.id,
      execution_id: executionId,
      action: decision.action,
      complexity: decision.complexity,
      maturity_level: agent.maturityLevel,
      decision: decision.decision,
      reason: decision.reason,
    })),
  );
}

/**
 * A model's answer with every string storable (storableText). A broken provider can send a lone
 * surrogate or a NUL; kept, it would make every write of the run (steps, saved state, the answer,
 * the episode) fail. Each becomes U+FFFD.
 */
function wellFormed(response: LlmResponse): LlmResponse {
  return JSON.parse(jsonbParam(response)) as LlmResponse;
}

export function buildMessages(
  agent: Pick<AgentEntity, 'name' | 'role' | 'systemPrompt'>,
  task: string,
  context: Record<string, unknown>,
  recalled: { task: string; output: string | null; outcome: string }[],
  examples: LearnedExample[] = [],
): LlmMessage[] {
  const system = [agent.systemPrompt ?? `You are ${agent.name}, ${agent.role}.`];
  // What training learned (bounded in count and characters), before the episodes recalled for this task.
  system.push(...learnedExamplesBlock(examples));
  if (recalled.length > 0) {
    system.push(
      'Relevant earlier episodes of yours:',
      ...recalled.map((episode, i) => `${i + 1}. Task: ${episode.task}\n   Outcome: ${episode.outcome}\n   Answer: ${episode.output ?? '(none)'}`),
    );
  }
  const extra = Object.keys(context).length > 0 ? `\n\nContext: ${JSON.stringify(context)}` : '';
  return [
    { role: 'system', content: system.join('\n') },
    { role: 'user', content: `${task}${extra}` },
  ];
}
