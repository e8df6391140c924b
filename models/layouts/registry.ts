/** The real Phi-3 export layouts the generator copies, by `--layout` name. */
import { msCpuInt4 } from './ms-cpu-int4';
import { msBuilder2025 } from './ms-builder-2025';
import { msCpuInt4April2024 } from './ms-cpu-int4-2024';
import { msDmlInt4Awq } from './ms-dml-int4-awq';
import { RealLayout } from './real-layout';
import { webQ4 } from './web-q4';
import { webQ4f16 } from './web-q4f16';

export const REAL_LAYOUTS = {
  'ms-cpu-int4': msCpuInt4,
  'ms-cpu-int4-2024': msCpuInt4April2024,
  'ms-dml-int4-awq': msDmlInt4Awq,
  'web-q4': webQ4,
  'web-q4f16': webQ4f16,
  'ms-builder-2025': msBuilder2025,
} as const satisfies Record<string, RealLayout>;

export type RealLayoutName = keyof typeof REAL_LAYOUTS;

/** True when `value` names a real export layout. */
export function isRealLayout(value: string): value is RealLayoutName {
  return Object.prototype.hasOwnProperty.call(REAL_LAYOUTS, value);
}
