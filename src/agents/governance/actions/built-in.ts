import type { AnyActionDefinition } from '../actions';
import { draftAction } from './draft';
import { httpRequestAction, type HttpRequestOptions } from './http-request';
import { memorySearchAction, type RecallFn } from './memory-search';
import { sendWebhookEventAction, type EmitAgentEvent } from './send-webhook-event';
import { summarizeAction } from './summarize';

export interface BuiltInActionDeps {
  /** memory_search: the agent's episodic recall (ctx.agentId says whose). */
  recall: RecallFn;
  /** http_request: destination policy, as for webhooks. */
  http: HttpRequestOptions;
  /** send_webhook_event: writes the event to the tenant's webhook outbox. */
  emitEvent: EmitAgentEvent;
}

/** The actions every tenant's agents can be given (issue 3). New built-ins: one file here, one line below. */
export function builtInActions(deps: BuiltInActionDeps): AnyActionDefinition[] {
  return [summarizeAction, draftAction, memorySearchAction(deps.recall), httpRequestAction(deps.http), sendWebhookEventAction(deps.emitEvent)];
}
