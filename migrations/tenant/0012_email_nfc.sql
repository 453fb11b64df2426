-- Emails are now stored in one canonical form: lowercased, then Unicode NFC (src/auth/email.ts), and
-- logins look them up in that form. Rows written before in another normalisation (an é sent as e +
-- combining accent) are brought to NFC, unless that would collide with another user's address: such a
-- pair looked like one address to people and is left for an admin to resolve (the NFD one can no
-- longer log in until its email is changed).
UPDATE users u
   SET email = normalize(u.email, NFC)
 WHERE u.email IS NOT NFC NORMALIZED
   AND NOT EXISTS (SELECT 1 FROM users o WHERE o.id <> u.id AND lower(normalize(o.email, NFC)) = lower(normalize(u.email, NFC)));
