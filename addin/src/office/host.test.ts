import { afterEach, describe, expect, it, vi } from 'vitest';
import { UNSAVED_WORKBOOK, detectHost, officeThemeIsDark, workbookName, type OfficeGlobal } from './host.ts';

const HostType = { Excel: 'Excel', Word: 'Word' } as unknown as typeof Office.HostType;

function fakeOffice(onReady: OfficeGlobal['onReady']): OfficeGlobal {
  return { HostType, onReady };
}

describe('detectHost', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs in browser mode when office.js did not load', async () => {
    await expect(detectHost(undefined)).resolves.toBe('browser');
  });

  it('runs in Excel mode when Office reports Excel', async () => {
    const office = fakeOffice(() => Promise.resolve({ host: HostType.Excel, platform: 'OfficeOnline' as unknown as Office.PlatformType }));
    await expect(detectHost(office)).resolves.toBe('excel');
  });

  it('runs in browser mode when office.js loads without a host', async () => {
    const office = fakeOffice(() => Promise.resolve({ host: null as unknown as Office.HostType, platform: null as unknown as Office.PlatformType }));
    await expect(detectHost(office)).resolves.toBe('browser');
  });

  it('falls back to browser mode when Office never becomes ready', async () => {
    vi.useFakeTimers();
    const office = fakeOffice(() => new Promise(() => undefined));
    const mode = detectHost(office, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(mode).resolves.toBe('browser');
  });
});

describe('officeThemeIsDark', () => {
  it('is undefined outside Office', () => {
    vi.stubGlobal('Office', undefined);
    expect(officeThemeIsDark()).toBeUndefined();
  });

  it('follows the host’s dark theme flag', () => {
    vi.stubGlobal('Office', { context: { officeTheme: { isDarkTheme: true, bodyBackgroundColor: '#ffffff' } } });
    expect(officeThemeIsDark()).toBe(true);
  });

  it('judges older hosts by their background colour', () => {
    vi.stubGlobal('Office', { context: { officeTheme: { bodyBackgroundColor: '#1f1f1f' } } });
    expect(officeThemeIsDark()).toBe(true);
    vi.stubGlobal('Office', { context: { officeTheme: { bodyBackgroundColor: '#FFFFFF' } } });
    expect(officeThemeIsDark()).toBe(false);
  });

  it('is undefined when the host has no theme', () => {
    vi.stubGlobal('Office', { context: {} });
    expect(officeThemeIsDark()).toBeUndefined();
  });
});

describe('workbookName', () => {
  it('is the file name of a local or online workbook', () => {
    expect(workbookName({ context: { document: { url: 'C:\\Users\\ana\\Q3 invoices.xlsx' } } })).toBe('Q3 invoices.xlsx');
    expect(workbookName({ context: { document: { url: 'https://contoso.sharepoint.com/sites/fin/Shared/Budget.xlsx' } } })).toBe('Budget.xlsx');
  });

  it('names an unsaved workbook, or no host at all, the same way', () => {
    expect(workbookName({ context: { document: { url: '' } } })).toBe(UNSAVED_WORKBOOK);
    expect(workbookName({})).toBe(UNSAVED_WORKBOOK);
    expect(workbookName(undefined)).toBe(UNSAVED_WORKBOOK);
  });
});
