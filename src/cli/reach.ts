/** fetch, saying which URL it tried when the server cannot be reached at all (refused, unknown host, reset). */
export async function reach(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `cannot reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
    );
  }
}
