// Errors that callers tell apart by class, not by message: the CLI maps each class to an exit code.

/** KindedError: an Error whose subclasses each carry `is`, a type guard for that subclass. */
export class KindedError extends Error {
  /** is: whether `e` is an instance of the class this is called on (`UsageError.is(e)`). */
  static is<T extends Error>(this: abstract new (...args: never[]) => T, e: unknown): e is T {
    return e instanceof this;
  }
}
