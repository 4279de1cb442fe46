import { ApiProperty } from '@nestjs/swagger';

export class TokenPairResponse {
  @ApiProperty({
    description: 'JWT (HS256) to send as Authorization: Bearer <token>',
    maxLength: 2048,
  })
  accessToken!: string;

  @ApiProperty({
    description: 'Opaque, single use: exchange it at /v1/auth/refresh for a new pair',
    maxLength: 100,
  })
  refreshToken!: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' })
  expiresIn!: number;
}
