/**
 * The intake: one delivery read once, in three steps. Check (intake-check.ts): the request
 * and its slot, before a byte is read. Read (intake-read.ts): the body streamed through
 * validation and every recipient's extract at once. Settle (intake-settle.ts): rejected with
 * none of its extracts, or accepted with all of them in one transaction, its receipt signed.
 */
import { checkDelivery } from './intake-check';
import { readDelivery } from './intake-read';
import { settleDelivery } from './intake-settle';
import type { IntakeDeps, IntakeRequest, IntakeResult } from './intake-types';

export { FIRST_ERRORS } from './idempotency';
export { checkIntakeRequest } from './intake-check';
export type { IntakeDeps, IntakeRequest, IntakeResult } from './intake-types';

/**
 * Reads a delivery once: validates every record and, in the same pass, writes every
 * recipient's extract. The delivery is accepted with all its extracts in one transaction,
 * or rejected with none.
 */
export async function intake(deps: IntakeDeps, req: IntakeRequest): Promise<IntakeResult> {
  const checked = await checkDelivery(deps, req);
  if ('answered' in checked) return checked.answered;
  const read = await readDelivery(deps, req, checked.opened);
  return settleDelivery(deps, req, checked.opened, read);
}
