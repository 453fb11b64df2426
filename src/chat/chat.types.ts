// Rows of the chat tables (migrations/tenant/0009_chat.sql), as the raw queries of this module read them.

export interface SessionRow {
  id: string;
  agent_id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  owner_type: 'user' | 'api_key';
  owner_id: string;
  message_count: number;
  last_message_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type MessageStatus = 'complete' | 'interrupted' | 'failed';
export type InterruptReason = 'cancelled' | 'client_gone' | 'shutdown' | 'session_deleted';

export interface MessageRow {
  id: string;
  session_id: string;
  turn_id: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  interrupted_reason: InterruptReason | null;
  error_code: string | null;
  error_message: string | null;
  episode_id: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: Date;
}

export const MESSAGE_COLUMNS =
  'id, session_id, turn_id, role, content, status, interrupted_reason, error_code, error_message, episode_id, prompt_tokens, completion_tokens, created_at';
export const SESSION_COLUMNS = 'id, agent_id, title, metadata, owner_type, owner_id, message_count, last_message_at, created_at, updated_at';
