/**
 * The pane's side of the context menu's "Summarize selection" (`../selection-request.ts`): calls `onRequest` for
 * each request while the pane is mounted, including one made just before it started.
 */
import { useEffect, useRef } from 'react';
import { onSelectionRequest } from '../selection-request';

/** Subscribes for the component's lifetime; the latest `onRequest` is the one called. */
export function useSelectionRequests(onRequest: () => void): void {
  const latest = useRef(onRequest);
  latest.current = onRequest;
  useEffect(() => onSelectionRequest(() => latest.current()), []);
}
