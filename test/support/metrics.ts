import request from 'supertest';

/** The text a scrape of `/metrics` at `baseUrl` answers (with a bearer token when given). */
export async function scrape(baseUrl: string, token?: string): Promise<string> {
  const call = request(baseUrl).get('/metrics');
  if (token) void call.set('Authorization', `Bearer ${token}`);
  const res = await call;
  if (res.status !== 200) throw new Error(`scrape answered ${res.status}`);
  return res.text;
}

/**
 * The sum of the samples of `name` whose labels include `labels` (Prometheus text format), or
 * 0 when there is none. Parsed plainly, line by line: a test helper, not a client.
 */
export function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const metric = brace === -1 ? line.slice(0, space) : line.slice(0, brace);
    if (metric !== name) continue;
    const labelText = brace === -1 ? '' : line.slice(brace + 1, line.lastIndexOf('}'));
    const found = Object.fromEntries(
      [...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      sum += Number(line.slice(space + 1));
    }
  }
  return sum;
}
