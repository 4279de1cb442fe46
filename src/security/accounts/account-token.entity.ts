import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { User } from '../../users/user.entity';

export const TOKEN_PURPOSES = ['email-verification', 'password-reset'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

// Constraint names match migrations/, the source of truth.
@Entity({ name: 'account_tokens' })
@Unique('account_tokens_hash_key', ['tokenHash'])
@Check(
  'account_tokens_binding_check',
  `(purpose = 'password-reset') = (password_binding IS NOT NULL)`,
)
export class AccountToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'account_tokens_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'account_tokens_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column({ type: 'varchar', length: 24 })
  purpose!: TokenPurpose;

  /** SHA-256 of the token mailed; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  /** The address the token was sent to: it verifies that address, no later one. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  /** Reset only: SHA-256 of the password hash it was issued against. */
  @Column({ name: 'password_binding', type: 'bytea', nullable: true })
  passwordBinding!: Buffer | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
