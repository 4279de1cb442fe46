import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { PasswordHasher } from '../../users/password-hasher';
import { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { ValidationProblem } from '../../common/problem-details/problem.exception';
import { UnauthenticatedProblem } from '../authorization/unauthenticated.problem';
import { MfaChallengeResponse } from './dto/mfa-challenge.response';
import { TokenPairResponse } from './dto/token-pair.response';
import { AUTH_ENDPOINTS_OPTIONS, AuthEndpointsOptions } from './auth-endpoints.options';
import { TokenService } from './token.service';

/** Register, log in, change password. Token mechanics live in TokenService. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    @Inject(AUTH_ENDPOINTS_OPTIONS) private readonly options: AuthEndpointsOptions,
  ) {}

  private get loginAttempts() {
    return this.options.loginAttempts;
  }

  async register(email: string, password: string): Promise<User> {
    if (!this.options.registrationEnabled) {
      throw new ForbiddenException('Self-registration is switched off on this server.');
    }
    // Always a viewer: roles are granted by an admin, never chosen by the caller.
    const user = await this.users.create(email, password, 'viewer');
    await this.options.onRegistered?.(user);
    return user;
  }

  /**
   * Unknown email, wrong password and disabled account all get the same 401 after one argon2
   * verify each (a dummy hash stands in for a missing user), so neither the body nor the
   * timing tells which accounts exist.
   */
  async login(
    email: string,
    password: string,
    from: { clientIp: string | null; userAgent: string | null },
  ): Promise<{ user: User; pair: TokenPairResponse } | { user: User; mfa: MfaChallengeResponse }> {
    const refund = await this.loginAttempts.begin(email);
    const user = await this.users.findByEmail(email);
    const ok = await this.hasher.verify(user?.passwordHash, password);
    if (!ok || !user || user.disabledAt) throw new UnauthenticatedProblem();
    await refund();
    // With a second factor, the password alone buys only a short-lived, single-use mfaToken:
    // no session exists until POST /v1/auth/login/mfa.
    const second = this.options.secondFactor;
    if (second && (await second.isEnrolled(user.id))) {
      const { token, ttl } = await second.challenge(user.id, from);
      return { user, mfa: { mfaRequired: true, mfaToken: token, expiresIn: ttl } };
    }
    return { user, pair: await this.tokens.startSession(user, from) };
  }

  /** A new password ends every session of the user, this one included. */
  async changePassword(
    userId: string,
    currentPassword: string,
    newPassword: string,
  ): Promise<void> {
    const user = await this.users.get(userId);
    // Guessing the current password with a stolen access token spends the same per-account
    // failure budget as guessing it at login.
    const refund = await this.loginAttempts.begin(user.email);
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      throw ValidationProblem.field('currentPassword', 'currentPassword is not correct');
    }
    await refund();
    await this.users.setPassword(user.id, newPassword, async () => {
      await this.tokens.revokeAllSessions(user.id, 'password_changed');
    });
  }
}
