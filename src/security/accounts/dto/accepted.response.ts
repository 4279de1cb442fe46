import { ApiProperty } from '@nestjs/swagger';

export const ACCEPTED_MESSAGE =
  'If this address belongs to an account that can use it, a message is on its way.';

/** The one answer of the mailing routes, whatever the address: it names no account. */
export class AcceptedResponse {
  @ApiProperty({ enum: [ACCEPTED_MESSAGE], maxLength: 200 })
  message!: string;
}
