/**
 * The Import view's drop handling: one file at a time, and in the desktop app only a
 * file that has a path on disk (Electron's webUtils.getPathForFile answers '' otherwise).
 */
import { describe, expect, it } from 'vitest';
import { droppedFile, pathOnDisk } from '../src-renderer/src/components/dropped-file.ts';

const csv = (name: string) => new File(['order_id,customer_id\n1,2\n'], name, { type: 'text/csv' });

describe('droppedFile', () => {
  it('hands over the one dropped file', () => {
    const file = csv('orders.csv');
    expect(droppedFile([file])).toEqual({ kind: 'file', file });
  });

  it('refuses several files instead of keeping the first', () => {
    expect(droppedFile([csv('a.csv'), csv('b.csv'), csv('c.csv')])).toEqual({ kind: 'several', count: 3 });
  });

  it('ignores a drop without files (text, a link)', () => {
    expect(droppedFile([])).toEqual({ kind: 'none' });
    expect(droppedFile(null)).toEqual({ kind: 'none' });
    expect(droppedFile(undefined)).toEqual({ kind: 'none' });
  });
});

describe('pathOnDisk', () => {
  it("returns the preload's path for a file on disk", () => {
    const file = csv('orders.csv');
    const paths = new Map([[file, '/home/shop/exports/orders.csv']]);
    expect(pathOnDisk(file, (f) => paths.get(f) ?? '')).toBe('/home/shop/exports/orders.csv');
    expect(pathOnDisk(file, () => 'C:\\Users\\shop\\orders.csv')).toBe('C:\\Users\\shop\\orders.csv');
  });

  it('returns null when Electron finds no path (a File not backed by a file on disk)', () => {
    expect(pathOnDisk(csv('from-browser.csv'), () => '')).toBeNull();
    expect(pathOnDisk(csv('odd.csv'), () => '  ')).toBeNull();
  });
});
