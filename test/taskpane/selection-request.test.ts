/** @jest-environment jsdom */
/**
 * The context menu's request reaching the pane: at once in the same page (shared runtime), through a `storage`
 * event from another page, when the pane gets the focus, or pending when it starts; stale ones ignored.
 */
import {
  onSelectionRequest,
  requestSelectionRun,
  SELECTION_REQUEST_KEY,
  SELECTION_REQUEST_MAX_AGE_MS,
  takeSelectionRequest,
} from '../../taskpane/selection-request';

beforeEach(() => localStorage.clear());

describe('selection requests', () => {
  it('reach a pane in the same page at once, and only once', () => {
    const heard = jest.fn();
    const stop = onSelectionRequest(heard);
    requestSelectionRun(true);
    expect(heard).toHaveBeenCalledTimes(1);
    window.dispatchEvent(new Event('focus'));
    expect(heard).toHaveBeenCalledTimes(1);
    stop();
    requestSelectionRun(true);
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('reach a pane in another page through storage, or when it gets the focus', () => {
    const heard = jest.fn();
    const stop = onSelectionRequest(heard);
    // The command's own page (no shared runtime) writes without telling this page directly.
    requestSelectionRun(false);
    expect(heard).not.toHaveBeenCalled();
    window.dispatchEvent(
      new StorageEvent('storage', {
        key: SELECTION_REQUEST_KEY,
        newValue: localStorage.getItem(SELECTION_REQUEST_KEY),
      }),
    );
    expect(heard).toHaveBeenCalledTimes(1);
    requestSelectionRun(false);
    window.dispatchEvent(new Event('focus'));
    expect(heard).toHaveBeenCalledTimes(2);
    stop();
  });

  it('waits for a pane that opens soon after, but not for long', () => {
    requestSelectionRun(false);
    const heard = jest.fn();
    onSelectionRequest(heard)();
    expect(heard).toHaveBeenCalledTimes(1);
    const made = 1_000_000;
    requestSelectionRun(false, window, made);
    expect(takeSelectionRequest(window, made + SELECTION_REQUEST_MAX_AGE_MS + 1)).toBe(false);
    expect(localStorage.getItem(SELECTION_REQUEST_KEY)).toBeNull();
  });
});
