/**
 * The Fluent theme that matches Word's: dark when Office's body background is dark, light otherwise.
 */
import { webDarkTheme, webLightTheme, type Theme } from '@fluentui/react-components';

/**
 * Picks a theme from Office's `officeTheme.bodyBackgroundColor` (e.g. `#1f1f1f`), falling back to the browser's
 * `prefers-color-scheme` where Office gives none (Word on the web, tests).
 */
export function themeFor(bodyBackgroundColor: string | undefined, prefersDark: boolean): Theme {
  const luminance = bodyBackgroundColor ? relativeLuminance(bodyBackgroundColor) : undefined;
  const dark = luminance === undefined ? prefersDark : luminance < 0.4;
  return dark ? webDarkTheme : webLightTheme;
}

/** Luminance in [0, 1] of a `#rgb` / `#rrggbb` colour; undefined for anything else. */
export function relativeLuminance(color: string): number | undefined {
  const hex = color.trim().replace(/^#/, '');
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  if (!/^[0-9a-f]{6}$/i.test(full)) return undefined;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
