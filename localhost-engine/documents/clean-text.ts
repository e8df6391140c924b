/**
 * Removes C0 control characters (NUL, BEL, form feed, carriage return, …) except tab and newline. They carry no
 * meaning for a summary, can break JSON consumers and terminals, and NUL in particular shows up in text that was
 * saved as UTF-16 without a byte-order mark. Everything else, RTL marks, CJK, emoji with zero-width joiners,
 * passes through untouched.
 */
export function stripControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000B-\u001F]/g, '');
}
