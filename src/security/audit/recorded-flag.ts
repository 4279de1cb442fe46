const RECORDED = Symbol('auditRecorded');

/** Set once a request's outcome is the audit interceptor's to record, so the error path skips it. */
export function markRecorded(request: object): void {
  (request as { [RECORDED]?: boolean })[RECORDED] = true;
}

export function isRecorded(request: object): boolean {
  return (request as { [RECORDED]?: boolean })[RECORDED] === true;
}
