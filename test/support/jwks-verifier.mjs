// An outside verifier, as a gateway would be: a separate Node program that knows only the JWKS
// URL, the issuer and the audience. jose is ESM-only, so it runs here rather than inside Jest.
// Usage: node jwks-verifier.mjs <jwksUrl> <token> <issuer> <audience>
// Prints {"ok":true,"header":...,"payload":...} or {"ok":false,"code":...}; exits 0 either way.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [jwksUrl, token, issuer, audience] = process.argv.slice(2);
try {
  const keySet = createRemoteJWKSet(new URL(jwksUrl));
  const { payload, protectedHeader } = await jwtVerify(token, keySet, {
    issuer,
    audience,
    algorithms: ['ES256'],
  });
  console.log(JSON.stringify({ ok: true, header: protectedHeader, payload }));
} catch (error) {
  console.log(
    JSON.stringify({ ok: false, code: error.code ?? error.name, message: error.message }),
  );
}
