// One workbook's masking: its secret key and pseudonym vault live in the
// pane's own storage (localStorage, keyed by workbook) — never in Office
// document settings, which travel inside the workbook to whoever opens it.

import type { EngineClient } from './client.ts';
import type { MaskOperatorName, MaskPolicy, OfficeRange, PiiType, Preview, ScanResult, SheetContextOptions } from './types.ts';

export const VAULT_KEY_PREFIX = 'ledgerlight.vault.v1:';
/** The vault's secret: 32 random bytes, as the engine asks. */
export const VAULT_KEY_BYTES = 32;

export const PII_TYPES: readonly PiiType[] = [
  'email',
  'phone',
  'credit_card',
  'iban',
  'us_ssn',
  'ip_address',
  'swift_bic',
  'vat_id',
  'date_of_birth',
  'person',
  'address',
  'secret',
];

/** The operators the policy JSON supports, as offered per column. */
export const MASK_OPERATORS: readonly MaskOperatorName[] = ['keep', 'redact', 'label', 'partial', 'hash', 'pseudonym', 'generalize', 'drop'];

/** The user's masking: one operator for every detected type, and choices per column name. */
export function policyOf(defaultOperator: MaskOperatorName, columns: Record<string, MaskOperatorName> = {}): MaskPolicy {
  const policy: MaskPolicy = { version: 1, types: Object.fromEntries(PII_TYPES.map((type) => [type, defaultOperator])) };
  if (Object.keys(columns).length > 0) policy.columns = { ...columns };
  return policy;
}

export type VaultStore = Pick<Storage, 'getItem' | 'setItem'>;

/** The part of the engine client masking uses, so tests can hand in a fake. */
export type MaskingEngine = Pick<EngineClient, 'openMasker' | 'setPolicy' | 'scan' | 'preview' | 'unmask' | 'exportVault'>;

/** A fresh vault key from the platform's cryptographic generator. */
export function newVaultKey(random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): Uint8Array {
  return random(new Uint8Array(VAULT_KEY_BYTES));
}

/**
 * The masker of one workbook in the engine worker. Opening restores the
 * saved vault, or starts one with a new key and saves it at once (so the key
 * is made once per workbook); every call that can add pseudonyms saves it again.
 */
export class MaskingSession {
  private constructor(
    private readonly engine: MaskingEngine,
    private readonly storage: VaultStore,
    readonly workbook: string,
  ) {}

  static async open(
    engine: MaskingEngine,
    storage: VaultStore,
    workbook: string,
    policy: MaskPolicy,
    makeKey: () => Uint8Array = () => newVaultKey(),
  ): Promise<MaskingSession> {
    const session = new MaskingSession(engine, storage, workbook);
    const saved = storage.getItem(VAULT_KEY_PREFIX + workbook);
    if (saved) {
      await engine.openMasker({ vault: saved }, policy);
    } else {
      await engine.openMasker({ key: makeKey() }, policy);
      await session.save();
    }
    return session;
  }

  setPolicy(policy: MaskPolicy): Promise<void> {
    return this.engine.setPolicy(policy);
  }

  scan(range: OfficeRange): Promise<ScanResult> {
    return this.engine.scan(range);
  }

  async preview(range: OfficeRange, options: SheetContextOptions): Promise<Preview> {
    const preview = await this.engine.preview(range, options);
    await this.save();
    return preview;
  }

  unmask(text: string): Promise<string> {
    return this.engine.unmask(text);
  }

  private async save(): Promise<void> {
    this.storage.setItem(VAULT_KEY_PREFIX + this.workbook, await this.engine.exportVault());
  }
}
