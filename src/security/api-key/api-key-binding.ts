import type { Principal, UserPrincipal } from '../authorization/principal';

/**
 * The host's rule for binding a key to one of its resources (this app: a station). The layer
 * stores the binding and puts it on the principal (`resourceId`); only the host knows what the
 * id names and who manages it.
 */
export interface ApiKeyBinding {
  /** Before a bound key is created: throw a 404 or 403 problem unless `caller` may bind it. */
  assertMayBind(caller: UserPrincipal, resourceId: string): Promise<void>;
}

/** Whether `caller` may act on resource `resourceId`: anyone but a key bound elsewhere. */
export function mayActOn(caller: Principal, resourceId: string): boolean {
  return (
    caller.kind !== 'api-key' || caller.resourceId === null || caller.resourceId === resourceId
  );
}
