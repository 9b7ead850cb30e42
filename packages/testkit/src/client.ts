/** Narrows a result to its refusal, failing the test with what came instead. */
export function refusalOf(
  result: { ok: true; data: unknown } | { ok: false; error: { status: number; code: string } },
) {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.data)}`);
  return { status: result.error.status, code: result.error.code };
}

/** Narrows a result to its data, failing the test with the refusal instead. */
export function dataOf<T>(result: { ok: true; data: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.data;
}
