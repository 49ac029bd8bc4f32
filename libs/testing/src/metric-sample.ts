/**
 * Reads a service's Prometheus endpoint as a scraper would and sums the samples of `name` whose
 * labels include `labels`: 0 while there are none yet (a counter before its first increment).
 */
export async function metricSample(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    const named = line.startsWith(`${name}{`) || line.startsWith(`${name} `);
    if (named && wanted.every((label) => line.includes(label))) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}
