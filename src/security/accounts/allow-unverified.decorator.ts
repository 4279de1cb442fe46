import { SetMetadata } from '@nestjs/common';

export const ALLOW_UNVERIFIED_KEY = 'accounts:allow-unverified';

/**
 * A state-changing route an account with an unverified address may still call under
 * UNVERIFIED_ACCOUNTS=read-only: the ones it needs to get verified or to stay safe (log out,
 * change password or address). Every other write is refused until the address is verified.
 */
export const AllowUnverified = (): MethodDecorator => SetMetadata(ALLOW_UNVERIFIED_KEY, true);
