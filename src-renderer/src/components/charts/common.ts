/** Pieces every chart option shares. */
export const PALETTE = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16'];

/** The save-as-image toolbox; `title` is the button's tooltip, `name` the file name. */
export function toolbox(title: string, name: string) {
  return {
    right: 8,
    feature: { saveAsImage: { title, name, pixelRatio: 2, backgroundColor: '#ffffff' } },
  };
}
