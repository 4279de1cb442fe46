'use strict';
/**
 * A real SMTP server (the `smtp-server` package) on loopback with implicit TLS, as production
 * requires, using the run's test certificate: the instances trust it through NODE_EXTRA_CA_CERTS.
 * Keeps at most 1,000 messages, for the verification links the cluster test follows.
 */
const { SMTPServer } = require('smtp-server');
const { readFileSync } = require('node:fs');
const { freePort } = require('../../support/free-port');

async function startMailSink(certificate) {
  const messages = [];
  const server = new SMTPServer({
    secure: true,
    key: readFileSync(certificate.key),
    cert: readFileSync(certificate.cert),
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (chunk) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        if (messages.length < 1000)
          messages.push({ to, raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `smtps://127.0.0.1:${port}`,
    /** The one-time token of the latest link mailed to `address` (bounded wait). */
    async tokenFor(address, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const mail = messages.filter((m) => m.to.includes(address)).pop();
        // Quoted-printable: soft line breaks and "=" written as =3D.
        const text = mail?.raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
        const token = text && /#token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
        if (token) return token;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no mail with a link to ${address} within ${timeoutMs} ms`);
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

module.exports = { startMailSink };
