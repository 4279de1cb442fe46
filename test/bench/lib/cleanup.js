'use strict';
/**
 * What is open right now (servers, their databases), so that an interrupted run (SIGINT,
 * SIGTERM) still stops every server it started and drops every database it created.
 */
const open = new Set();

/** Registers `close`; the returned function runs it once and forgets it. */
function track(close) {
  let done = null;
  const once = () => {
    open.delete(once);
    done ??= close().catch(() => undefined);
    return done;
  };
  open.add(once);
  return once;
}

/** Closes everything still open, newest first. */
async function closeAll() {
  for (const close of [...open].reverse()) await close();
}

module.exports = { closeAll, track };
