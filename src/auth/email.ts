/**
 * The one form of an email address that is stored, looked up and throttled: lowercased, then Unicode
 * NFC. Every comparison goes through it, so two spellings that are the same address for one part of
 * the service are the same for all of them: before, login found `kİm@…` as `kim@…` (PostgreSQL's
 * lower()) while the failure counter keyed it apart (JavaScript's), and an é precomposed or as e +
 * accent made two users that look the same.
 */
export function canonicalEmail(email: string): string {
  return email.toLowerCase().normalize('NFC');
}
