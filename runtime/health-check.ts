// One dependency check for a health endpoint (the API's and the worker's): the probe's outcome,
// or its error, within a deadline.
const CHECK_TIMEOUT_MS = 2000;

export interface CheckResult {
  status: 'ok' | 'fail';
  detail?: string;
}

export async function check(probe: () => Promise<unknown>, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'fail', detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
