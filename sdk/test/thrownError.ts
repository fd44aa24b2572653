/** The error of class `type` that `fn` throws, for assertions on its fields; fails when it throws nothing or something else. */
export function thrownError<E extends Error>(type: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}`);
}
