// Reading the gateway's admin /metrics: sums of a counter, optionally over series matching a label.

export async function scrape(adminUrl: string): Promise<string> {
  const res = await fetch(`${adminUrl}/metrics`);
  if (!res.ok) throw new Error(`GET ${adminUrl}/metrics: ${res.status}`);
  return res.text();
}

/** Sum of every sample of `name` (e.g. bouncer_requests_total{cache_status="hit"} when a label is given). */
export function metricSum(text: string, name: string, label?: { name: string; value: string }): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (label !== undefined && !line.includes(`${label.name}="${label.value}"`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The counters a benchmark reports about the gateway, read in one scrape. */
export async function gatewayCounters(adminUrl: string): Promise<{ originRequests: number; verifications: number }> {
  const text = await scrape(adminUrl);
  return {
    originRequests: metricSum(text, 'bouncer_origin_requests_total'),
    verifications: metricSum(text, 'bouncer_signature_verifications_total'),
  };
}
