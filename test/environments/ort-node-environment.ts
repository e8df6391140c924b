/**
 * Jest's node environment runs tests in a separate realm, so typed arrays that onnxruntime-node's native
 * binding creates (outer realm) fail the tests' `instanceof Float32Array` checks inside onnxruntime-common
 * ("A float32 tensor's data must be type of function Float32Array()"). This environment hands the test realm
 * the outer realm's typed-array and buffer constructors, so both sides agree.
 */
import NodeEnvironment from 'jest-environment-node';

const SHARED_GLOBALS = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

export default class OrtNodeEnvironment extends NodeEnvironment {
  override async setup(): Promise<void> {
    await super.setup();
    const target = this.global as unknown as Record<string, unknown>;
    for (const name of SHARED_GLOBALS)
      target[name] = (globalThis as unknown as Record<string, unknown>)[name];
  }
}
