/**
 * A model feature's name for people: the translated name of a history
 * feature, else the core's own name (one-hot columns like `city=Shanghai` or
 * `share:Books` read well as they are).
 */
export function featureLabel(feature: string, t: (key: string) => string, te: (key: string) => boolean): string {
  const key = `models.feature.${feature}`;
  return te(key) ? t(key) : feature;
}
