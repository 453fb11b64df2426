import { COMPLEXITIES, complexityOf, DEFAULT_COMPLEXITY, isComplexity, leadingVerb, VERB_COMPLEXITY } from './complexity';

describe('complexityOf', () => {
  it.each([
    // the verbs
    ['search_docs', 1], ['read_file', 1], ['list_invoices', 1], ['get_customer', 1], ['summarize', 1],
    ['analyze_sales', 2], ['draft', 2], ['suggest_reply', 2], ['plan_trip', 2],
    ['create_invoice', 3], ['update_contact', 3], ['send_email', 3], ['post_message', 3], ['schedule_meeting', 3],
    ['delete_invoice', 4], ['execute_script', 4], ['deploy_service', 4], ['payment_capture', 4], ['pay_invoice', 4],
    ['bulk_update', 4], ['run_command', 4], ['command_device', 4],
    // synonyms
    ['find_user', 1], ['fetch_page', 1], ['analyse_logs', 2], ['compose_email', 2], ['add_note', 3], ['publish_post', 3],
    ['remove_user', 4], ['drop_table', 4], ['refund_order', 4], ['transfer_funds', 4], ['shell', 4], ['revoke_key', 4],
  ])('%s -> %i', (action, expected) => {
    expect(complexityOf(action)).toBe(expected);
  });

  it('uses the registered value over the verb', () => {
    expect(complexityOf('delete_invoice', 1)).toBe(1);
    expect(complexityOf('get_secret', 4)).toBe(4);
    expect(complexityOf('anything', 3)).toBe(3);
  });

  it.each([0, 5, 2.5, NaN, -1])('ignores a registered value outside 1-4 (%p) and falls back to the verb', (registered) => {
    expect(complexityOf('delete_invoice', registered)).toBe(4);
    expect(complexityOf('frobnicate', registered)).toBe(DEFAULT_COMPLEXITY);
  });

  it('counts unknown verbs and empty names as 2', () => {
    expect(DEFAULT_COMPLEXITY).toBe(2);
    expect(complexityOf('frobnicate_widget')).toBe(2);
    expect(complexityOf('')).toBe(2);
    expect(complexityOf('   ')).toBe(2);
    expect(complexityOf('___')).toBe(2);
  });

  it('matches the leading verb only, not a verb later in the name', () => {
    expect(complexityOf('invoice_delete')).toBe(2);
    expect(complexityOf('get_deleted_items')).toBe(1);
    expect(complexityOf('deleted_items')).toBe(2); // "deleted" is not "delete"
  });

  it('reads the verb whatever the casing and separators', () => {
    expect(complexityOf('deleteInvoice')).toBe(4);
    expect(complexityOf('DELETE_INVOICE')).toBe(4);
    expect(complexityOf('Delete-Invoice')).toBe(4);
    expect(complexityOf('delete invoice')).toBe(4);
    expect(complexityOf('  delete')).toBe(4);
  });

  it('skips a namespace so a prefix cannot hide a dangerous verb', () => {
    expect(complexityOf('crm.delete_contact')).toBe(4);
    expect(complexityOf('github:create_issue')).toBe(3);
    expect(complexityOf('tools/list_files')).toBe(1);
  });
});

describe('leadingVerb', () => {
  it.each([
    ['delete_invoice', 'delete'], ['deleteInvoice', 'delete'], ['HTTPGet', 'httpget'], ['get2Items', 'get2'],
    ['crm.send_email', 'send'], ['', ''],
  ])('%s -> %s', (action, verb) => {
    expect(leadingVerb(action)).toBe(verb);
  });
});

describe('VERB_COMPLEXITY', () => {
  it('lists every verb once, in lowercase', () => {
    const all = COMPLEXITIES.flatMap((complexity) => VERB_COMPLEXITY[complexity]);
    expect(new Set(all).size).toBe(all.length);
    for (const verb of all) expect(verb).toMatch(/^[a-z]+$/);
  });

  it('has the issue verbs on their lines', () => {
    expect(VERB_COMPLEXITY[1]).toEqual(expect.arrayContaining(['search', 'read', 'list', 'get', 'summarize']));
    expect(VERB_COMPLEXITY[2]).toEqual(expect.arrayContaining(['analyze', 'draft', 'suggest', 'plan']));
    expect(VERB_COMPLEXITY[3]).toEqual(expect.arrayContaining(['create', 'update', 'send', 'post', 'schedule']));
    expect(VERB_COMPLEXITY[4]).toEqual(expect.arrayContaining(['delete', 'execute', 'deploy', 'payment', 'pay', 'bulk', 'command', 'run']));
  });
});

describe('isComplexity', () => {
  it('accepts exactly 1, 2, 3, 4', () => {
    expect([1, 2, 3, 4].every(isComplexity)).toBe(true);
    expect([0, 5, 1.5, '1', null, undefined, NaN].some(isComplexity)).toBe(false);
  });
});
