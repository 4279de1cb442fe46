import { ApiProperty } from '@nestjs/swagger';
import { MAX_PAGE, PageInfo } from '../../../common/pagination/page.query';
import type { ApiKeyScope } from '../../authorization/principal';
import { MAX_SCOPES } from '../api-key.options';
import { ApiKey } from '../api-key.entity';

/** A key's metadata. Never its secret or hash. */
export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    description: 'Public key id (the middle part of the key)',
    pattern: '^[0-9a-f]{16}$',
    maxLength: 16,
  })
  keyId!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty({ isArray: true, type: String, maxItems: MAX_SCOPES }) scopes!: ApiKeyScope[];
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) resourceId!: string | null;
  @ApiProperty({ nullable: true, type: Number }) rateLimitPerMinute!: number | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) rotatedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(key: ApiKey): ApiKeyResponse {
    return {
      id: key.id,
      keyId: key.keyId,
      name: key.name,
      ownerId: key.ownerId,
      scopes: key.scopes,
      resourceId: key.resourceId,
      rateLimitPerMinute: key.rateLimitPerMinute,
      expiresAt: key.expiresAt?.toISOString() ?? null,
      revokedAt: key.revokedAt?.toISOString() ?? null,
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      rotatedAt: key.rotatedAt?.toISOString() ?? null,
      createdAt: key.createdAt.toISOString(),
    };
  }
}

export class ApiKeyCreatedResponse extends ApiKeyResponse {
  @ApiProperty({
    description: 'The full key. Shown this once; store it now.',
    example: 'wxk_0123456789abcdef_…',
    maxLength: 64,
  })
  key!: string;
}

export class ApiKeyList {
  @ApiProperty({ type: [ApiKeyResponse], maxItems: MAX_PAGE }) data!: ApiKeyResponse[];
  @ApiProperty() page!: PageInfo;
}
