/** Hands bytes to the browser as a file download (Blob + a temporary link). */
export function downloadBytes(fileName: string, bytes: Uint8Array, type: string): void {
  // Copied into a fresh buffer: the Blob must not keep a view of memory the engine may reuse.
  const blob = new Blob([bytes.slice()], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has started the download.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 0);
}

/** "ledger.xlsx" → "ledger-cleaned.csv". */
export function cleanedFileName(source: string): string {
  const base = source.replace(/\.[^.]+$/, '') || 'table';
  return `${base}-cleaned.csv`;
}
