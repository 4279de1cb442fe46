import { Writable } from 'node:stream';

/** A pino destination that keeps every line it is given. */
export function captureLogs(): { destination: Writable; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { destination, lines, text: () => lines.join('') };
}
