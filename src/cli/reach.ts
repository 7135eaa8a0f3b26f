/** How long the command waits for the gateway to answer, or to send more of an answer, before it gives up. */
export const WAIT_SECONDS = Number(process.env.GATEWAY_TIMEOUT_SECONDS ?? 120);

/** Answers with no body to wrap. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * fetch, saying which URL it tried when the server cannot be reached at all (refused, unknown
 * host, reset), and giving up when the server sends nothing, neither the answer nor more of its
 * body, for `waitSeconds` (0: wait for ever, for an upload the server answers only at its end).
 */
export async function reach(
  url: string,
  init: RequestInit = {},
  waitSeconds = WAIT_SECONDS,
): Promise<Response> {
  const origin = new URL(url).origin;
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    if (waitSeconds > 0)
      timer = setTimeout(
        () => ctl.abort(new Error(`no answer from ${origin} within ${waitSeconds} s`)),
        waitSeconds * 1000,
      );
  };
  arm();
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: ctl.signal });
  } catch (e) {
    clearTimeout(timer);
    if (ctl.signal.aborted) throw ctl.signal.reason as Error;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  if (!res.body || NULL_BODY.has(res.status)) {
    clearTimeout(timer);
    return res;
  }
  arm();
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          clearTimeout(timer);
          controller.close();
          return;
        }
        arm();
        controller.enqueue(value);
      } catch (e) {
        clearTimeout(timer);
        controller.error(ctl.signal.aborted ? (ctl.signal.reason as Error) : e);
      }
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
