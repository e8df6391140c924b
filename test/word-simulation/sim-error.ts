/**
 * The error the simulation throws, shaped like `OfficeExtension.Error` (code, message, debugInfo.errorLocation), so
 * code under test handles it exactly as it would handle Word's.
 */
export class SimOfficeError extends Error {
  override readonly name = 'RichApi.Error';
  readonly code: string;
  readonly debugInfo: { code: string; message: string; errorLocation?: string };

  constructor(code: string, message: string, errorLocation?: string) {
    super(message);
    this.code = code;
    this.debugInfo = { code, message, errorLocation };
  }
}

/** Word's message for reading a property that was not loaded and synced. */
export function propertyNotLoaded(property: string): SimOfficeError {
  return new SimOfficeError(
    'PropertyNotLoaded',
    `The property '${property}' is not available. Before reading the property's value, call the load method on the containing object and call "context.sync()" on the associated request context.`,
  );
}

/** Word's message for reading a ClientResult's value before the sync that fills it. */
export function valueNotLoaded(): SimOfficeError {
  return new SimOfficeError(
    'ValueNotLoaded',
    'The value of the result object has not been loaded yet. Before reading the value property, call "context.sync()" on the associated request context.',
  );
}
