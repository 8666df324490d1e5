import { createI18n } from 'vue-i18n';
import enUS from './en-US.ts';
import zhCN from './zh-CN.ts';

export const LOCALES = [
  { code: 'zh-CN', label: '中文' },
  { code: 'en-US', label: 'English' },
] as const;
export type LocaleCode = (typeof LOCALES)[number]['code'];

const STORAGE_KEY = 'mw.locale';

function isLocale(value: unknown): value is LocaleCode {
  return LOCALES.some((l) => l.code === value);
}

/** The saved choice, else the system language (any Chinese → zh-CN), else English. */
export function initialLocale(): LocaleCode {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be unavailable; follow the system language.
  }
  if (isLocale(saved)) return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en-US';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en-US',
  messages: { 'en-US': enUS, 'zh-CN': zhCN },
});

export function setLocale(code: LocaleCode): void {
  i18n.global.locale.value = code;
  document.documentElement.lang = code;
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Not remembered; still switched for this session.
  }
}
