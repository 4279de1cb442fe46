/**
 * The messages of the account flows: plain text and HTML, and no secret but the one-time link
 * (no password, no account id). The link carries the token in the fragment, which browsers
 * never send to a server: it stays out of access logs and Referer headers of the page.
 */
export interface AccountMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

function message(to: string, subject: string, lines: string[], link?: string): AccountMessage {
  const text = [...lines, ...(link ? ['', link] : []), '', '-- Weather API'].join('\n');
  const paragraphs = lines.map((line) => `<p>${escapeHtml(line)}</p>`);
  const anchor = link ? [`<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`] : [];
  const html = `<!doctype html><html><body>${[...paragraphs, ...anchor].join('')}<p>-- Weather API</p></body></html>`;
  return { to, subject, text, html };
}

export function verificationMessage(to: string, link: string, ttlSeconds: number): AccountMessage {
  return message(
    to,
    'Confirm your e-mail address',
    [
      'Open this link to confirm that this address is yours.',
      `It works once, for ${Math.round(ttlSeconds / 60)} minutes.`,
      'If you did not ask for it, ignore this message.',
    ],
    link,
  );
}

export function resetMessage(to: string, link: string, ttlSeconds: number): AccountMessage {
  return message(
    to,
    'Reset your password',
    [
      'Someone asked to reset the password of the account at this address.',
      `This link sets a new one. It works once, for ${Math.round(ttlSeconds / 60)} minutes.`,
      'If it was not you, ignore this message: your password stays as it is.',
    ],
    link,
  );
}

export function passwordResetNotice(to: string): AccountMessage {
  return message(to, 'Your password was reset', [
    'The password of your account was just reset, and every session was signed out.',
    'If this was not you, reset it again at once and tell your administrator.',
  ]);
}

export function emailChangedNotice(to: string, newAddress: string): AccountMessage {
  return message(to, 'Your account e-mail address was changed', [
    `The e-mail address of your account was changed to ${maskAddress(newAddress)}.`,
    'If this was not you, reset your password and tell your administrator.',
  ]);
}

/** a***@example.com: enough for the owner to recognise, not the whole new address. */
function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at <= 0 ? '***' : `${address[0]}***${address.slice(at)}`;
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
