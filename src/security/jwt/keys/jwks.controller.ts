import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../../authorization/policy.decorators';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from '../jwt-auth.options';
import { DEFAULT_JWKS_MAX_AGE_SECONDS, SigningKeyRing } from './signing-key-ring.service';

class PublicJwk {
  @ApiProperty({ enum: ['EC'] }) kty!: string;
  @ApiProperty({ enum: ['P-256'] }) crv!: string;
  @ApiProperty({ description: 'base64url x coordinate', maxLength: 43 }) x!: string;
  @ApiProperty({ description: 'base64url y coordinate', maxLength: 43 }) y!: string;
  @ApiProperty({ description: 'the `kid` access tokens name in their header', maxLength: 64 })
  kid!: string;
  @ApiProperty({ enum: ['ES256'] }) alg!: string;
  @ApiProperty({ enum: ['sig'] }) use!: string;
}

/** The part of the response used here: Express's `res` and Fastify's `reply` both have it. */
interface HeaderWriter {
  header(name: string, value: string): unknown;
  type(contentType: string): unknown;
}

class JwksResponse {
  @ApiProperty({ type: [PublicJwk], maxItems: 64 }) keys!: PublicJwk[];
}

/**
 * RFC 7517 JWK Set of the ring's public keys (next, current, retired): a gateway verifies
 * access tokens with this URL alone. Public, outside /v1 (a well-known URI, RFC 8615), and
 * cacheable: the next key is published a full max-age before it signs.
 */
@ApiTags('auth')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(
    private readonly ring: SigningKeyRing,
    @Inject(JWT_AUTH_OPTIONS) private readonly options: JwtAuthOptions,
  ) {}

  @Get('jwks.json')
  @ApiOperation({ summary: 'Public keys that verify access tokens (JWK Set, ES256)' })
  @ApiOkResponse({ type: JwksResponse })
  async jwks(@Res({ passthrough: true }) res: HeaderWriter): Promise<JwksResponse> {
    const maxAge = this.options.jwksMaxAgeSeconds ?? DEFAULT_JWKS_MAX_AGE_SECONDS;
    // Public key material only: shared caches may keep it (the rest of the API is no-store).
    res.header('Cache-Control', `public, max-age=${maxAge}`);
    res.type('application/jwk-set+json');
    return { keys: (await this.ring.publicJwks()) as unknown as PublicJwk[] };
  }
}
