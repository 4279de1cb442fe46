import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { Repository } from 'typeorm';
import { TransactionContext } from '../database/transaction-context';
import { ConflictProblem } from '../common/problem-details/problem.exception';
import { isUniqueViolation } from '../database/postgres-errors';
import { normaliseEmail } from '../common/identity/email-address';
import { PasswordHasher } from './password-hasher';
import { Role, User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(
    private readonly tx: TransactionContext,
    private readonly hasher: PasswordHasher,
  ) {}

  private get users(): Repository<User> {
    return this.tx.manager.getRepository(User);
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normaliseEmail(email) });
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException('User not found.');
    return user;
  }

  list(page: { limit: number; offset: number }): Promise<[User[], number]> {
    return this.users.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  count(): Promise<number> {
    return this.users.count();
  }

  /** `emailVerified`: the operator vouches for the address (bootstrap admin, demo data). */
  async create(
    email: string,
    password: string,
    role: Role,
    options: { emailVerified?: boolean } = {},
  ): Promise<User> {
    const passwordHash = await this.hasher.hash(password);
    try {
      const inserted = await this.users.insert({
        email: normaliseEmail(email),
        passwordHash,
        role,
        disabledAt: null,
        emailVerifiedAt: options.emailVerified ? new Date() : null,
      });
      return await this.get(inserted.identifiers[0].id as string);
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) {
        throw new ConflictProblem('An account with this email already exists.');
      }
      throw error;
    }
  }

  /** Changes the password and, in the same transaction, whatever must go with it. */
  async setPassword(
    userId: string,
    password: string,
    alongside: () => Promise<void>,
  ): Promise<void> {
    const passwordHash = await this.hasher.hash(password);
    await this.tx.run(async (manager) => {
      await manager.update(User, { id: userId }, { passwordHash });
      await alongside();
    });
  }

  /**
   * An admin changes another user. Inside the transaction, under a lock on every enabled admin
   * row (in id order, so two such changes never deadlock): the caller must still be an enabled
   * admin (one demoted or disabled a moment ago may no longer act), and the last enabled admin
   * is never demoted or disabled. Before, two admins demoting each other at once both
   * succeeded and left none.
   */
  async updateAsAdmin(
    callerId: string,
    userId: string,
    changes: { role?: Role; disabledAt?: Date | null },
    alongside: () => Promise<void>,
  ): Promise<User> {
    await this.tx.run(async (manager) => {
      const rows: Array<{ id: string }> = await manager.query(
        `SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`,
      );
      const admins = new Set(rows.map((row) => row.id));
      if (!admins.has(callerId)) {
        throw new ForbiddenException('Your account is no longer an enabled admin.');
      }
      const removesAdmin =
        admins.has(userId) &&
        ((changes.role !== undefined && changes.role !== 'admin') ||
          (changes.disabledAt !== undefined && changes.disabledAt !== null));
      if (removesAdmin && admins.size <= 1) {
        throw new ConflictProblem('The last enabled admin cannot be demoted or disabled.');
      }
      // An empty PATCH is a no-op; TypeORM refuses an UPDATE without values (it was a 500).
      if (Object.keys(changes).length > 0) await manager.update(User, { id: userId }, changes);
      await alongside();
    });
    return this.get(userId);
  }
}
