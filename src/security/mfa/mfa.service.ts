import { Inject, Injectable } from '@nestjs/common';
import { IsNull, LessThan, Not } from 'typeorm';
import { open, seal } from '../../common/crypto/sealed-box';
import { newOpaqueToken, sha256 } from '../../common/crypto/secure-token';
import { ConflictProblem, ValidationProblem } from '../../common/problem-details/problem.exception';
import { TransactionContext } from '../../database/transaction-context';
import { PasswordHasher } from '../../users/password-hasher';
import { User } from '../../users/user.entity';
import { UnauthenticatedProblem } from '../authorization/unauthenticated.problem';
import type { TokenPairResponse } from '../jwt/dto/token-pair.response';
import { TokenService } from '../jwt/token.service';
import { MfaChallenge } from './mfa-challenge.entity';
import { MFA_TOKEN_PREFIX } from './mfa-token';
import { MFA_OPTIONS, MfaOptions } from './mfa.options';
import { RECOVERY_CODE_COUNT, newRecoveryCode, recoveryCodeHash } from './recovery-codes';
import { RecoveryCode } from './recovery-code.entity';
import { TotpFactor } from './totp-factor.entity';
import { acceptedStep, newTotpSecret, otpauthUrl } from './totp';

/** A second factor as a request carries it: a TOTP code or a recovery code. */
export interface MfaProof {
  code?: string;
  recoveryCode?: string;
}

/** Where a login comes from, for the session it starts. */
export interface LoginContext {
  clientIp: string | null;
  userAgent: string | null;
}

const DEFAULT_CHALLENGE_TTL_SECONDS = 300;

/**
 * TOTP enrolment, recovery codes, the challenge between password and code, and step-up.
 * Every check of a code spends the account's login failure budget first and gives it back only
 * when the code was right, so codes cannot be guessed faster than passwords. A TOTP code is
 * accepted once: the step it belongs to is stored with a conditional UPDATE, so of two requests
 * with the same code only one matches `last_step < step`.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly tx: TransactionContext,
    private readonly tokens: TokenService,
    private readonly hasher: PasswordHasher,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
  ) {}

  // --- The login route's second factor (AuthEndpointsOptions.secondFactor) ---

  async isEnrolled(userId: string): Promise<boolean> {
    return this.tx.manager.existsBy(TotpFactor, { userId, confirmedAt: Not(IsNull()) });
  }

  /** A single-use mfaToken for POST /v1/auth/login/mfa; only its hash is stored. */
  async challenge(userId: string, from: LoginContext): Promise<{ token: string; ttl: number }> {
    const ttl = this.options.challengeTtlSeconds ?? DEFAULT_CHALLENGE_TTL_SECONDS;
    const token = newOpaqueToken(MFA_TOKEN_PREFIX);
    await this.tx.manager.insert(MfaChallenge, {
      userId,
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + ttl * 1000),
      clientIp: from.clientIp?.slice(0, 45) ?? null,
      userAgent: from.userAgent?.slice(0, 200) ?? null,
    });
    return { token, ttl };
  }

  /**
   * The second half of a login. Unknown, used or expired token, disabled user and wrong code
   * are the same 401; a wrong code spends the budget, so past it the answer is 429.
   */
  async completeLogin(
    mfaToken: string,
    proof: MfaProof,
    from: LoginContext,
  ): Promise<{ user: User; pair: TokenPairResponse }> {
    const manager = this.tx.manager;
    const challenge = await manager.findOneBy(MfaChallenge, { tokenHash: sha256(mfaToken) });
    if (!challenge || challenge.usedAt || challenge.expiresAt <= new Date()) {
      throw new UnauthenticatedProblem();
    }
    const user = await manager.findOneBy(User, { id: challenge.userId });
    if (!user || user.disabledAt) throw new UnauthenticatedProblem();
    if (!(await this.prove(user, proof))) throw new UnauthenticatedProblem();
    // Single use, also under concurrency: only one request claims the challenge.
    const claimed = await manager.update(
      MfaChallenge,
      { id: challenge.id, usedAt: IsNull() },
      { usedAt: new Date() },
    );
    if (!claimed.affected) throw new UnauthenticatedProblem();
    const pair = await this.tokens.startSession(user, { ...from, mfa: true });
    return { user, pair };
  }

  // --- Enrolment ---

  /** A new secret, pending until confirmed; restarting replaces a pending one. */
  async startEnrolment(
    userId: string,
    password: string,
  ): Promise<{ secret: string; otpauthUrl: string }> {
    const user = await this.liveUser(userId);
    const refund = await this.options.attempts.begin(user.email);
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      throw ValidationProblem.field('password', 'password is not correct');
    }
    await refund();
    if (await this.isEnrolled(userId)) {
      throw new ConflictProblem('MFA is already on; turn it off first to enrol a new device.');
    }
    const secret = newTotpSecret();
    await this.tx.run(async (manager) => {
      await manager.delete(TotpFactor, { userId });
      await manager.insert(TotpFactor, {
        userId,
        secretEncrypted: this.seal(userId, secret),
        confirmedAt: null,
        lastStep: '0',
      });
    });
    return { secret, otpauthUrl: otpauthUrl(this.options.issuer, user.email, secret) };
  }

  /**
   * The first code turns the factor on, counts as this session's second factor, and returns
   * ten new recovery codes (shown once, stored hashed).
   */
  async confirmEnrolment(userId: string, sessionId: string, code: string): Promise<string[]> {
    const user = await this.liveUser(userId);
    return this.tx.run(async (manager) => {
      const pending = await manager.findOneBy(TotpFactor, { userId, confirmedAt: IsNull() });
      if (!pending) throw new ConflictProblem('No MFA enrolment is pending: start one first.');
      const refund = await this.options.attempts.begin(user.email);
      const step = await acceptedStep(this.open(pending), code, 0);
      if (step === undefined) throw ValidationProblem.field('code', 'code is not correct');
      await refund();
      const now = new Date();
      await manager.update(TotpFactor, { userId }, { confirmedAt: now, lastStep: String(step) });
      await manager.update(User, { id: userId }, { mfaEnabledAt: now });
      const codes = await this.replaceRecoveryCodes(userId);
      await this.tokens.recordMfa(sessionId);
      return codes;
    });
  }

  /** Turns MFA off, with a code or a recovery code: the factor and its codes are deleted. */
  async disable(userId: string, proof: MfaProof): Promise<void> {
    const user = await this.enrolledUser(userId);
    if (!(await this.prove(user, proof))) throw this.wrongProof(proof);
    await this.tx.run(async (manager) => {
      await manager.delete(RecoveryCode, { userId });
      await manager.delete(TotpFactor, { userId });
      await manager.update(User, { id: userId }, { mfaEnabledAt: null });
    });
  }

  /** Step-up: a code now makes this session's second factor recent again. */
  async stepUp(userId: string, sessionId: string, proof: MfaProof): Promise<Date> {
    const user = await this.enrolledUser(userId);
    if (!(await this.prove(user, proof))) throw this.wrongProof(proof);
    const mfaAt = await this.tokens.recordMfa(sessionId);
    if (!mfaAt) throw new UnauthenticatedProblem();
    return mfaAt;
  }

  // --- Checks ---

  /**
   * True when the proof is right (and now used up). Spends one attempt of the account's budget
   * first; a 429 past it, before any code is checked.
   */
  private async prove(user: User, proof: MfaProof): Promise<boolean> {
    if ((proof.code === undefined) === (proof.recoveryCode === undefined)) {
      throw ValidationProblem.field('code', 'send exactly one of code and recoveryCode');
    }
    const refund = await this.options.attempts.begin(user.email);
    const ok =
      proof.code !== undefined
        ? await this.useTotpCode(user.id, proof.code)
        : await this.useRecoveryCode(user.id, proof.recoveryCode!);
    if (ok) await refund();
    return ok;
  }

  private async useTotpCode(userId: string, code: string): Promise<boolean> {
    return this.tx.run(async (manager) => {
      const factor = await manager.findOneBy(TotpFactor, { userId, confirmedAt: Not(IsNull()) });
      if (!factor) return false;
      const step = await acceptedStep(this.open(factor), code, Number(factor.lastStep));
      if (step === undefined) return false;
      // The replay check that holds under concurrency: the row lock orders two requests, and
      // the second one's WHERE no longer matches.
      const stored = await manager.update(
        TotpFactor,
        { userId, confirmedAt: Not(IsNull()), lastStep: LessThan(String(step)) },
        { lastStep: String(step) },
      );
      return (stored.affected ?? 0) === 1;
    });
  }

  private async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const used = await this.tx.manager.update(
      RecoveryCode,
      { userId, codeHash: recoveryCodeHash(code), usedAt: IsNull() },
      { usedAt: new Date() },
    );
    return (used.affected ?? 0) === 1;
  }

  private async replaceRecoveryCodes(userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await this.tx.run(async (manager) => {
      await manager.delete(RecoveryCode, { userId });
      await manager.insert(
        RecoveryCode,
        codes.map((code) => ({ userId, codeHash: recoveryCodeHash(code) })),
      );
    });
    return codes;
  }

  private wrongProof(proof: MfaProof): ValidationProblem {
    const field = proof.code !== undefined ? 'code' : 'recoveryCode';
    return ValidationProblem.field(field, `${field} is not correct`);
  }

  private async liveUser(userId: string): Promise<User> {
    const user = await this.tx.manager.findOneBy(User, { id: userId });
    // The guard let a live session through; a user gone since is not authenticated.
    if (!user || user.disabledAt) throw new UnauthenticatedProblem();
    return user;
  }

  private async enrolledUser(userId: string): Promise<User> {
    const user = await this.liveUser(userId);
    if (!(await this.isEnrolled(userId))) throw new ConflictProblem('MFA is not on.');
    return user;
  }

  private seal(userId: string, secret: string): Buffer {
    return seal(this.options.encryptionKey, userId, Buffer.from(secret, 'utf8'));
  }

  private open(factor: TotpFactor): string {
    const secret = open(this.options.encryptionKey, factor.userId, factor.secretEncrypted);
    // A wrong MFA_ENCRYPTION_KEY: no code can be right; say so in the log, never the secret.
    if (!secret) throw new Error('MfaModule: a TOTP secret does not open with MFA_ENCRYPTION_KEY');
    return secret.toString('utf8');
  }
}
