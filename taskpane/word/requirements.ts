/// <reference types="office-js" />

/**
 * Whether the host supports `WordApi` at `version` or later (e.g. `'1.4'` for comments and reviewed text).
 * Guarantees: never throws; `false` outside Office (no `Office` global, or no requirements API).
 */
export function hasWordApi(version: string): boolean {
  try {
    if (typeof Office === 'undefined') return false;
    return Office.context?.requirements?.isSetSupported('WordApi', version) === true;
  } catch {
    return false;
  }
}
