import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { User } from '../../users/user.entity';

// Constraint names match migrations/, the source of truth.
/** A person's TOTP secret, sealed; pending until confirmed with a first code. */
@Entity({ name: 'mfa_totp_factors' })
export class TotpFactor {
  @PrimaryColumn({
    name: 'user_id',
    type: 'uuid',
    primaryKeyConstraintName: 'mfa_totp_factors_pkey',
  })
  @ForeignKey(() => User, { name: 'mfa_totp_factors_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  /** AES-256-GCM, the user id as associated data (sealed-box.ts). */
  @Column({ name: 'secret_encrypted', type: 'bytea' })
  secretEncrypted!: Buffer;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  /** The time step of the last accepted code (bigint: a string from the driver). */
  @Column({ name: 'last_step', type: 'bigint', default: 0 })
  lastStep!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
