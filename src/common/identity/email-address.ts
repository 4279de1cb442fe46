/**
 * The one definition of an account's e-mail address, used wherever an address is compared:
 * registration, login, the failed-login lock (its key must match the account it protects), the
 * audit fingerprint and the bootstrap admin. Policy (docs/SECURITY.md, "E-mail identity"):
 * - NFKC, then lower case (then NFKC again, as lower-casing can decompose: "İ" -> "i" + U+0307),
 *   so full-width letters, ligatures and composed/decomposed accents are one address;
 * - refused: invisible, control and format characters (zero-width space, bidi controls...),
 *   a Latin letter followed by a separate combining mark, Latin look-alike letters (dotless i),
 *   and a local part or domain label that mixes scripts (a Cyrillic "а" in "pаypal");
 * - the length limit is checked on the normalised form (it can grow: "İ" becomes two).
 * A whole address in one non-Latin script stays welcome.
 */
export const EMAIL_MAX_LENGTH = 254;

export function normaliseEmail(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\s]/u;
const LATIN_WITH_LOOSE_MARK = /\p{Script=Latin}\p{M}/u;
/** Latin letters that NFKC keeps but that read as another letter. */
const LATIN_LOOK_ALIKES = /[\u0131\u0237\u0251\u0261\u026a\u028f\u1d00-\u1d22]/u;
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Cherokee', 'Coptic', 'Georgian'];
const SCRIPT_TESTS = SCRIPTS.map((name) => new RegExp(`\\p{Script=${name}}`, 'u'));

/** Why a normalised address is refused, or undefined when it is acceptable. */
export function emailAddressProblem(normalised: string): string | undefined {
  if (normalised.length > EMAIL_MAX_LENGTH) {
    return `email must be at most ${EMAIL_MAX_LENGTH} characters once normalised`;
  }
  if (INVISIBLE.test(normalised)) {
    return 'email must not contain invisible, control or format characters';
  }
  if (LATIN_WITH_LOOSE_MARK.test(normalised) || LATIN_LOOK_ALIKES.test(normalised)) {
    return 'email must not contain look-alike letters or separate combining marks';
  }
  const at = normalised.lastIndexOf('@');
  const parts = [normalised.slice(0, at), ...normalised.slice(at + 1).split('.')];
  if (parts.some(mixesScripts)) {
    return 'email must not mix letters of different scripts in one part';
  }
  return undefined;
}

function mixesScripts(part: string): boolean {
  const seen = new Set<number>();
  for (const char of part) {
    const index = SCRIPT_TESTS.findIndex((test) => test.test(char));
    if (index !== -1) seen.add(index);
  }
  return seen.size > 1;
}
