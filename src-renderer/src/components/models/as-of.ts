/**
 * The model panels' shared inputs: an as-of date that defaults to the day of
 * the shop's last order (the latest day with known history), and formatting
 * that shows a dash for a field a result lacks instead of breaking the view.
 */
import { computed, onMounted, ref, watch } from 'vue';
import { useWorkspaceStore } from '../../stores/workspace.ts';
import { formatNumber, formatPercent } from '../../util/format.ts';

export function useAsOf() {
  const workspace = useWorkspaceStore();
  const asOf = ref('');
  watch(
    () => workspace.stats?.lastOrderAt,
    (last) => {
      if (!asOf.value && last && /^\d{4}-\d{2}-\d{2}/.test(last)) asOf.value = last.slice(0, 10);
    },
    { immediate: true },
  );
  onMounted(() => {
    if (!workspace.stats) void workspace.refresh();
  });
  const valid = computed(() => /^\d{4}-\d{2}-\d{2}$/.test(asOf.value));
  return { asOf, valid };
}

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function num(v: unknown, locale: string, digits = 3): string {
  return isNum(v) ? formatNumber(v, locale, digits) : '—';
}

export function pct(v: unknown, locale: string): string {
  return isNum(v) ? formatPercent(v, locale) : '—';
}

/** A whole number in [lo, hi], or undefined (the core's default then applies). */
export function wholeIn(v: unknown, lo: number, hi: number): number | undefined {
  const n = Number(v);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : undefined;
}
