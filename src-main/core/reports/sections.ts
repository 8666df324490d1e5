/** The report's sections, in the order they appear. */
export const reportSections = [
  'overview',
  'segments',
  'clusters',
  'value',
  'churn',
  'recommendations',
  'campaigns',
  'personas',
  'reviews',
] as const;
export type ReportSection = (typeof reportSections)[number];

export const reportFormats = ['html', 'pdf', 'xlsx'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export const reportLangs = ['zh', 'en'] as const;
export type ReportLang = (typeof reportLangs)[number];

export function isReportSection(name: string): name is ReportSection {
  return (reportSections as readonly string[]).includes(name);
}
