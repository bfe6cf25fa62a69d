/** Fetching the server's JSON; a failed request becomes an Error carrying the server's message. */

export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const url = q.size ? `${path}?${q.toString()}` : path;
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => null)) as { message?: string } | null;
  if (!res.ok) throw new Error(body?.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}
