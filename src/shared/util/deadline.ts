/**
 * `work`, or a rejection with `message` once `budgetMs` has passed, whichever comes first; an
 * infinite budget (no Lambda clock, as in tests and scripts) waits for `work`. The abandoned
 * work may still settle later: its outcome is ignored, so the caller must treat what it held as
 * not done (and be safe to do it again).
 */
export async function beforeDeadline<T>(work: Promise<T>, budgetMs: number, message: string): Promise<T> {
  if (!Number.isFinite(budgetMs)) {
    return work;
  }
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), Math.max(0, budgetMs));
  });
  try {
    return await Promise.race([work, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}
