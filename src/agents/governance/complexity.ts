/** How much harm an action can do: 1 read-only, 2 low-risk, 3 state-changing, 4 critical (issue 3). */
export type Complexity = 1 | 2 | 3 | 4;

export const COMPLEXITIES: readonly Complexity[] = [1, 2, 3, 4];

export const COMPLEXITY_LABELS: Record<Complexity, string> = {
  1: 'read-only',
  2: 'low-risk',
  3: 'state-changing',
  4: 'critical',
};

/** Unknown actions count as low-risk (issue 3, design.md section 5). */
export const DEFAULT_COMPLEXITY: Complexity = 2;

/**
 * The one table of verbs: an action name's leading verb decides its complexity when the action has no
 * registered value. The verbs come first on each line, then synonyms. A verb that could be read
 * two ways sits on the riskier line (`run` is a command, `transfer` moves money), because a wrong guess
 * upwards costs an approval and a wrong guess downwards costs data.
 */
export const VERB_COMPLEXITY: Record<Complexity, readonly string[]> = {
  1: [
    'search', 'read', 'list', 'get', 'summarize',
    'summarise', 'find', 'lookup', 'query', 'fetch', 'view', 'show', 'count', 'describe', 'inspect',
    'browse', 'recall', 'retrieve', 'peek', 'watch',
  ],
  2: [
    'analyze', 'draft', 'suggest', 'plan',
    'analyse', 'recommend', 'classify', 'compare', 'evaluate', 'review', 'estimate', 'forecast', 'translate',
    'extract', 'explain', 'outline', 'propose', 'compose', 'calculate', 'compute', 'preview', 'simulate',
  ],
  3: [
    'create', 'update', 'send', 'post', 'schedule',
    'add', 'insert', 'edit', 'modify', 'set', 'change', 'rename', 'move', 'email', 'notify', 'publish',
    'reply', 'comment', 'upload', 'write', 'save', 'book', 'assign', 'invite', 'submit', 'archive', 'tag',
    'label', 'share', 'import', 'sync', 'cancel', 'approve', 'reject', 'merge', 'enable', 'disable', 'patch',
    'put', 'mark', 'close', 'open', 'start', 'stop',
  ],
  4: [
    'delete', 'execute', 'deploy', 'payment', 'pay', 'bulk', 'command', 'run',
    'remove', 'destroy', 'drop', 'purge', 'erase', 'wipe', 'truncate', 'exec', 'shell', 'release', 'rollback',
    'migrate', 'charge', 'refund', 'transfer', 'withdraw', 'purchase', 'buy', 'batch', 'mass', 'terminate',
    'kill', 'shutdown', 'reboot', 'restart', 'install', 'uninstall', 'grant', 'revoke',
  ],
};

const VERBS: ReadonlyMap<string, Complexity> = new Map(
  COMPLEXITIES.flatMap((complexity) => VERB_COMPLEXITY[complexity].map((verb) => [verb, complexity] as const)),
);

export function isComplexity(value: unknown): value is Complexity {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

/**
 * The leading verb of an action name, lowercased: `delete_invoice`, `delete-invoice`, `deleteInvoice`
 * and `DELETE_INVOICE` all lead with `delete`. A namespace before the last `.`, `:` or `/` is skipped
 * (`crm.delete_contact`, `github:create_issue`), so a prefix cannot hide a dangerous verb.
 */
export function leadingVerb(action: string): string {
  const local = action.trim().split(/[.:/]/).pop() ?? '';
  const first = local.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[\s_-]+/).find((part) => part.length > 0);
  return (first ?? '').toLowerCase();
}

/** The action's registered complexity, else its leading verb's, else 2 (design.md section 5). */
export function complexityOf(action: string, registered?: number): Complexity {
  if (isComplexity(registered)) return registered;
  return VERBS.get(leadingVerb(action)) ?? DEFAULT_COMPLEXITY;
}
