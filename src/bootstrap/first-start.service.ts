import { WEATHER_SCOPES } from '../weather/weather-scopes';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConflictProblem } from '../common/problem-details/problem.exception';
import { isUniqueViolation } from '../database/postgres-errors';
import { ApiKeysService } from '../security/api-key/api-keys.service';
import { UsersService } from '../users/users.service';
import { DemoSeedService } from '../weather/seed/demo-seed.service';
import { Station } from '../weather/stations/station.entity';

export const DEMO_ADMIN_EMAIL = 'admin@weather.local';
const DEMO_STATION_CODE = 'BER_TEGEL';

/**
 * What happens on the first start of an empty database. There are no default credentials:
 * the first admin comes from BOOTSTRAP_ADMIN_EMAIL/PASSWORD, or, in development only, gets a
 * random password printed once together with a demo API key.
 */
@Injectable()
export class FirstStartService implements OnApplicationBootstrap {
  private readonly logger = new Logger('FirstStart');
  /** Development's first start: the demo credentials wait until the server is listening. */
  private demoCredentialsDue = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
    private readonly demoSeed: DemoSeedService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (
      this.config.auth.keyEncryptionKeySource === 'random-per-process' &&
      this.config.nodeEnv !== 'test'
    ) {
      this.logger.warn(
        'JWT_KEY_ENCRYPTION_KEY is not set: a random one encrypts the signing keys; tokens end when the process does.',
      );
    }
    const firstStart = (await this.users.count()) === 0;
    if (this.config.seedDemoData && (await this.dataSource.getRepository(Station).count()) === 0) {
      await this.seedOnce();
    }
    if (!firstStart) return;

    const bootstrap = this.config.auth.bootstrapAdmin;
    if (bootstrap) {
      await this.createBootstrapAdmin(bootstrap);
      return;
    }
    if (this.config.nodeEnv !== 'development') {
      this.logger.warn(
        'No users exist. Set BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD to create the first admin.',
      );
      return;
    }
    this.demoCredentialsDue = true;
  }

  /**
   * Replicas that start together on an empty database all see "no users": the unique e-mail
   * lets one create the admin, and the others take the conflict as the work being done.
   */
  private async createBootstrapAdmin(admin: { email: string; password: string }): Promise<void> {
    try {
      // The operator named this address: it counts as verified (no mail needed to start).
      await this.users.create(admin.email, admin.password, 'admin', { emailVerified: true });
      this.logger.log(`Created the first admin from BOOTSTRAP_ADMIN_EMAIL (${admin.email}).`);
    } catch (error) {
      if (!(error instanceof ConflictProblem)) throw error;
      this.logger.log('The first admin was created by another instance starting at the same time.');
    }
  }

  /** The demo data, once: a replica that lost the race to seed (unique station codes) moves on. */
  private async seedOnce(): Promise<void> {
    try {
      const count = await this.demoSeed.seed();
      this.logger.log(`Seeded demo data: ${count} observations`);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      this.logger.log('Demo data was seeded by another instance starting at the same time.');
    }
  }

  /**
   * Called by main.ts once the port is bound. Credentials "shown once" must not be made by a
   * start that then dies (a busy port): the next start would find an admin whose password
   * nobody saw. Until a start gets this far, every start shows a new set.
   */
  async announceDemoCredentials(): Promise<void> {
    if (!this.demoCredentialsDue) return;
    this.demoCredentialsDue = false;
    if ((await this.users.count()) !== 0) return;
    await this.createDemoCredentials();
  }

  private async createDemoCredentials(): Promise<void> {
    const password = randomBytes(18).toString('base64url');
    const admin = await this.users.create(DEMO_ADMIN_EMAIL, password, 'admin', {
      emailVerified: true,
    });
    const station = await this.dataSource
      .getRepository(Station)
      .findOneBy({ code: DEMO_STATION_CODE });
    const principal = {
      kind: 'user',
      userId: admin.id,
      role: admin.role,
      sessionId: '',
      tokenId: '',
    } as const;
    const demoKey = station
      ? await this.apiKeys.create(principal, {
          name: `Demo data logger for ${station.code}`,
          scopes: [...WEATHER_SCOPES],
          resourceId: station.id,
        })
      : undefined;
    const base = `http://${this.config.host}:${this.config.port}`;
    // Printed to stdout once, deliberately not through the logger: log pipelines keep lines.
    const lines = [
      '',
      '================ Demo credentials (shown once, development only) ================',
      `  Admin login:   ${DEMO_ADMIN_EMAIL}`,
      `  Password:      ${password}`,
      ...(demoKey && station
        ? [
            `  Demo API key:  ${demoKey.key}`,
            `                 (bound to station ${station.code}, scopes: ${demoKey.record.scopes.join(', ')})`,
            '',
            '  Try it:',
            `  curl -H 'X-API-Key: ${demoKey.key}' ${base}/v1/stations/${station.id}/observations/latest`,
          ]
        : []),
      `  curl -X POST ${base}/v1/auth/login -H 'Content-Type: application/json' \\`,
      `       -d '{"email":"${DEMO_ADMIN_EMAIL}","password":"${password}"}'`,
      '  These are not stored anywhere in clear text; if you lose them, delete ./data and restart.',
      '==================================================================================',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
