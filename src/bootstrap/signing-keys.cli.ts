import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/load-config';
import { RingStatus, SigningKeyRing } from '../security/jwt/keys/signing-key-ring.service';
import { TokenService } from '../security/jwt/token.service';

const USAGE = `usage: node dist/src/bootstrap/signing-keys.cli.js <command>
  status             the ring: kid, algorithm, state, dates (never key material)
  rotate             next -> current, current -> retired, a new next (npm run keys:rotate)
  revoke <kid>       emergency: every token signed by <kid> is refused at once, everywhere
  end-all-sessions   emergency: every session of every user ends (everyone logs in again)`;

/**
 * The operator's tools for the signing-key ring (README "Signing keys"). They run against the
 * configured database, so every instance sees the change at once. An operator with shell and
 * database access runs them: there is no HTTP endpoint yet (that needs step-up authentication).
 */
async function main(argv: string[]): Promise<void> {
  const [command, arg] = argv;
  if (!command || !['status', 'rotate', 'revoke', 'end-all-sessions'].includes(command)) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  if (command === 'revoke' && !arg) {
    console.error('revoke needs the kid of the key (see: status)');
    process.exitCode = 2;
    return;
  }
  const config = { ...loadConfig(process.env), seedDemoData: false };
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  try {
    const ring = app.get(SigningKeyRing);
    if (command === 'end-all-sessions') {
      console.log(`Ended ${await app.get(TokenService).endEverySession()} sessions.`);
      return;
    }
    const status =
      command === 'rotate'
        ? await ring.rotate()
        : command === 'revoke'
          ? await ring.revoke(arg)
          : await ring.status();
    printStatus(status);
  } finally {
    await app.close();
  }
}

function printStatus(keys: RingStatus[]): void {
  for (const key of keys) {
    const until = key.verifyUntil ? ` verifies until ${key.verifyUntil.toISOString()}` : '';
    console.log(
      `${key.kid}  ${key.alg}  ${key.state.padEnd(7)}  created ${key.createdAt.toISOString()}${until}`,
    );
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Messages only: they name kids and states, never key material.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
