import { NotFoundException } from '@nestjs/common';
import type { Principal } from './principal';

/**
 * Object-level authorization (API1:2023). Someone else's object answers 404, like one that
 * does not exist, so ids cannot be probed for existence.
 */
export function canManage(principal: Principal, ownerId: string | null): boolean {
  if (principal.kind === 'user') return principal.role === 'admin' || ownerId === principal.userId;
  return principal.ownerRole === 'admin' || ownerId === principal.ownerId;
}

export function assertCanManage(principal: Principal, ownerId: string | null, what: string): void {
  if (!canManage(principal, ownerId)) throw new NotFoundException(`${what} not found.`);
}
