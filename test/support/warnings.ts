/**
 * The process warnings Node emits while `fn` runs (e.g. MaxListenersExceededWarning), as "Name: message".
 * Warnings are delivered on a later tick, so it waits one macrotask after `fn` before it stops listening.
 */
export async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error): void => {
    seen.push(`${w.name}: ${w.message}`);
  };
  process.on('warning', onWarning);
  try {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}
