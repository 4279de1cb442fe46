const KEEPS_CHANGES = Symbol('audit:keeps-changes');

/**
 * An explicit outcome for an @Audited handler: refuse the request, but keep what the handler
 * changed. Refresh-token reuse is the case: the whole token family is revoked, and the caller
 * still gets a 401. The audit interceptor commits the transaction with a failure record, then
 * answers the error. Without the audit layer the error is simply thrown (nothing to roll back).
 */
export function refuseKeepingChanges<E extends Error>(error: E): E {
  return Object.assign(error, { [KEEPS_CHANGES]: true });
}

export function keepsChanges(error: unknown): boolean {
  return typeof error === 'object' && error !== null && KEEPS_CHANGES in error;
}
