import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class RefreshDto {
  @ApiProperty({
    description: 'The refresh token from login or the last refresh',
    minLength: 10,
    maxLength: 200,
  })
  @IsString()
  @Length(10, 200)
  refreshToken!: string;
}
