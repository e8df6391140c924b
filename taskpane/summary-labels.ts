/**
 * The words the pane uses for each choice and device: one table, so the form, the status and the inserted
 * section title agree.
 */
import type { Device, SummaryLength, SummaryStyle } from '../localhost-engine/api/schemas';
import type { OutputChoice, Scope } from './settings';

export const SCOPE_LABELS: Record<Scope, string> = { document: 'Whole document', selection: 'Selection' };

export const STYLE_LABELS: Record<SummaryStyle, string> = {
  'key-points': 'Key points',
  paragraph: 'Paragraph',
  sections: 'Section by section',
  executive: 'Executive brief',
};

export const LENGTH_LABELS: Record<SummaryLength, string> = {
  short: 'Short',
  medium: 'Medium',
  long: 'Long',
};

export const OUTPUT_LABELS: Record<OutputChoice, string> = {
  'section-top': 'New section at the top',
  'section-end': 'New section at the end',
  'section-comments': 'A comment on each section',
  'selection-comment': 'A comment on the selection',
  none: 'Do not insert',
};

export const DEVICE_LABELS: Record<Device, string> = {
  dml: 'GPU (DirectML)',
  webgpu: 'GPU (WebGPU)',
  cpu: 'CPU',
};

/** The heading of an inserted summary section, by style. */
export const SECTION_TITLES: Record<SummaryStyle, string> = {
  'key-points': 'Summary: key points',
  paragraph: 'Summary',
  sections: 'Summary by section',
  executive: 'Executive brief',
};
