/**
 * A model feature's name for people: the translated name of a history
 * feature; a per-category feature (`share:Books`) or a one-hot column
 * (`age=青年`, `gender=female`) worded from its parts; else the core's own
 * name (a city such as `city=Shanghai` reads well as it is).
 */
type Translate = (key: string, named?: Record<string, unknown>) => string;

export function featureLabel(feature: string, t: Translate, te: (key: string) => boolean): string {
  const key = `models.feature.${feature}`;
  if (te(key)) return t(key);
  const perCategory = /^([a-zA-Z0-9]+):(.+)$/.exec(feature);
  if (perCategory && te(`models.perCategory.${perCategory[1]}`)) {
    return t(`models.perCategory.${perCategory[1]}`, { category: perCategory[2] });
  }
  const oneHot = /^([a-zA-Z]+)=(.+)$/.exec(feature);
  if (oneHot && te(`models.feature.${oneHot[1]}`)) {
    return `${t(`models.feature.${oneHot[1]}`)} = ${levelLabel(oneHot[2]!, t, te)}`;
  }
  return feature;
}

/** A one-hot level (gender, unknown, other) translated where the UI knows it, else as stored. */
export function levelLabel(level: string, t: Translate, te: (key: string) => boolean): string {
  return te(`models.level.${level}`) ? t(`models.level.${level}`) : level;
}
