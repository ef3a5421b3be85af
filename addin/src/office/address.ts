/** A workbook address split into its sheet (unquoted) and its A1 part. */
export interface SheetAddress {
  sheet: string | undefined;
  a1: string;
}

/**
 * Splits `Sheet1!A1:B3` or `'Q3 ''final'''!A1` as Excel writes them. The
 * sheet name is quoted when it has spaces or punctuation; a quote inside is
 * doubled.
 */
export function splitAddress(address: string): SheetAddress {
  const bang = address.lastIndexOf('!');
  if (bang === -1) return { sheet: undefined, a1: address };
  const rawSheet = address.slice(0, bang);
  const a1 = address.slice(bang + 1);
  if (rawSheet.startsWith("'") && rawSheet.endsWith("'") && rawSheet.length >= 2) {
    return { sheet: rawSheet.slice(1, -1).replace(/''/g, "'"), a1 };
  }
  return { sheet: rawSheet, a1 };
}
