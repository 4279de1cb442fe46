import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { User } from '../../users/user.entity';

// Constraint and index names match migrations/, the source of truth.
/** One single-use recovery code, stored as its SHA-256 only. */
@Entity({ name: 'mfa_recovery_codes' })
@Unique('mfa_recovery_codes_hash_key', ['codeHash'])
@Index('mfa_recovery_codes_user_idx', ['userId'], { where: 'used_at IS NULL' })
export class RecoveryCode {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'mfa_recovery_codes_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'mfa_recovery_codes_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column({ name: 'code_hash', type: 'bytea' })
  codeHash!: Buffer;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
