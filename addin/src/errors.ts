/** Turns anything thrown (wasm-bindgen and Office.js may throw non-Errors) into a message for the user. */
export function messageOf(thrown: unknown, fallback = 'Something went wrong without an explanation.'): string {
  if (thrown instanceof Error && thrown.message) return thrown.message;
  if (typeof thrown === 'string' && thrown) return thrown;
  if (typeof thrown === 'object' && thrown !== null && 'message' in thrown && typeof thrown.message === 'string' && thrown.message) {
    return thrown.message;
  }
  return fallback;
}
