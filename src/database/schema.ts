import { Identity1763900100000 } from '../../migrations/1763900100000-identity';
import { InitialSchema1763900000000 } from '../../migrations/1763900000000-initial-schema';
import { AuditAndUsage1763900200000 } from '../../migrations/1763900200000-audit-and-usage';
import { ApiKeyResourceBinding1763900300000 } from '../../migrations/1763900300000-api-key-resource-binding';
import { SigningKeys1763900400000 } from '../../migrations/1763900400000-signing-keys';
import { AccountTokens1763900500000 } from '../../migrations/1763900500000-account-tokens';
import { MfaAndSessions1763900600000 } from '../../migrations/1763900600000-mfa-and-sessions';
import { IdempotencyKeys1763900800000 } from '../../migrations/1763900800000-idempotency-keys';
import { AuditTraceId1763900850000 } from '../../migrations/1763900850000-audit-trace-id';
import { AuthChangeNotify1763900900000 } from '../../migrations/1763900900000-auth-change-notify';
import { AuditSeal1763901000000 } from '../../migrations/1763901000000-audit-seal';
import { AccountToken } from '../security/accounts/account-token.entity';
import { AuditLogEntry } from '../security/audit/audit-log.entity';
import { ApiKey } from '../security/api-key/api-key.entity';
import { AuthSession } from '../security/jwt/auth-session.entity';
import { RefreshToken } from '../security/jwt/refresh-token.entity';
import { MfaChallenge } from '../security/mfa/mfa-challenge.entity';
import { RecoveryCode } from '../security/mfa/recovery-code.entity';
import { TotpFactor } from '../security/mfa/totp-factor.entity';
import { User } from '../users/user.entity';
import { Observation } from '../weather/observations/observation.entity';
import { Station } from '../weather/stations/station.entity';

/**
 * Every entity and migration, listed explicitly rather than globbed, so the app, the tests
 * (TypeScript through SWC) and the CLI (compiled JavaScript) load exactly the same set.
 * A new migration from `npm run migration:generate` is added to MIGRATIONS by hand.
 */
export const ENTITIES = [
  Station,
  Observation,
  User,
  AuthSession,
  RefreshToken,
  ApiKey,
  AuditLogEntry,
  TotpFactor,
  RecoveryCode,
  MfaChallenge,
  AccountToken,
];
export const MIGRATIONS = [
  InitialSchema1763900000000,
  Identity1763900100000,
  AuditAndUsage1763900200000,
  ApiKeyResourceBinding1763900300000,
  SigningKeys1763900400000,
  AccountTokens1763900500000,
  MfaAndSessions1763900600000,
  IdempotencyKeys1763900800000,
  AuditTraceId1763900850000,
  AuthChangeNotify1763900900000,
  AuditSeal1763901000000,
];
