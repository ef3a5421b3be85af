/** Where the pane runs: inside Excel, or as a plain web page (development, demos). */
export type HostMode = 'excel' | 'browser';

/** The part of the Office.js global that start-up needs. */
export type OfficeGlobal = Pick<typeof Office, 'onReady' | 'HostType'>;

/**
 * Outside Office, office.js may load yet never report ready; the pane must
 * still start. Inside Excel, readiness normally takes well under a second.
 */
export const HOST_READY_TIMEOUT_MS = 5000;

function officeGlobal(): OfficeGlobal | undefined {
  // The CDN script is absent without network; then there is no `Office` at all.
  return typeof Office === 'undefined' ? undefined : Office;
}

/** Waits for Office.js to start, and tells which mode the pane should run in. */
export async function detectHost(
  office: OfficeGlobal | undefined = officeGlobal(),
  timeoutMs: number = HOST_READY_TIMEOUT_MS,
): Promise<HostMode> {
  if (!office) return 'browser';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<HostMode>((resolve) => {
    timer = setTimeout(() => {
      resolve('browser');
    }, timeoutMs);
  });
  const ready = office
    .onReady()
    .then((info): HostMode => (info.host === office.HostType.Excel ? 'excel' : 'browser'))
    .catch((): HostMode => 'browser');
  try {
    return await Promise.race([ready, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Office's own theme when the host exposes one: dark or light, else undefined. */
export function officeThemeIsDark(): boolean | undefined {
  if (typeof Office === 'undefined') return undefined;
  // `context` and `officeTheme` exist only inside a host that supports themes,
  // whatever the type declarations say.
  const office = Office as { context?: { officeTheme?: Partial<Office.OfficeTheme> } };
  const theme = office.context?.officeTheme;
  if (!theme) return undefined;
  if (typeof theme.isDarkTheme === 'boolean') return theme.isDarkTheme;
  return isDarkColour(theme.bodyBackgroundColor);
}

function isDarkColour(hex: string | undefined): boolean | undefined {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex ?? '');
  if (!match) return undefined;
  const [r, g, b] = match.slice(1).map((part) => parseInt(part, 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

/** What a workbook is called when Office does not say (a new, unsaved one). */
export const UNSAVED_WORKBOOK = 'Unsaved workbook';

/**
 * The open workbook's file name, which keys its masking vault in the pane's
 * storage. Office gives the full path or URL; only the last part is kept.
 */
export function workbookName(office: { context?: { document?: { url?: string | null } } } | undefined = typeof Office === 'undefined' ? undefined : Office): string {
  const url = office?.context?.document?.url ?? '';
  const name = url.split(/[\\/]/).pop()?.trim() ?? '';
  return name || UNSAVED_WORKBOOK;
}
