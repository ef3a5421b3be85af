import { Field, Select, Text, makeStyles, tokens } from '@fluentui/react-components';
import { DATE_ORDERS, MASKING_DEFAULTS, NUMBER_LOCALES, type Preferences } from '../settings.ts';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

const MASKING_LABELS: Record<(typeof MASKING_DEFAULTS)[number], string> = {
  pseudonym: 'Pseudonym (PERSON_1)',
  label: 'Type label (<EMAIL>)',
  partial: 'Partial (**** 1111)',
  hash: 'Hash',
  redact: 'Remove the value',
};
const DATE_LABELS: Record<(typeof DATE_ORDERS)[number], string> = {
  auto: 'Decide from the data',
  dmy: 'Day first (15/01/2024)',
  mdy: 'Month first (01/15/2024)',
};
const NUMBER_LABELS: Record<(typeof NUMBER_LOCALES)[number], string> = {
  auto: 'Decide from the data',
  '1,234.56': '1,234.56',
  '1.234,56': '1.234,56',
  '1 234,56': '1 234,56',
};

export interface PreferencesSectionProps {
  preferences: Preferences;
  onChange: (preferences: Preferences) => void;
}

/** Masking defaults and locale hints; stored on this machine only. */
export function PreferencesSection({ preferences, onChange }: PreferencesSectionProps) {
  const styles = useStyles();
  return (
    <section className={styles.section} aria-labelledby="preferences-heading">
      <Text as="h2" id="preferences-heading" size={300} weight="semibold">
        Preferences
      </Text>
      <Field label="Mask personal data by default as" hint="Pseudonyms are restored on this computer in answers. Each column can still be changed under Preview & Mask.">
        <Select
          value={preferences.masking}
          onChange={(_event, data) => {
            onChange({ ...preferences, masking: data.value as Preferences['masking'] });
          }}
        >
          {MASKING_DEFAULTS.map((value) => (
            <option key={value} value={value}>
              {MASKING_LABELS[value]}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Dates like 03/04/2024 are">
        <Select
          value={preferences.dateOrder}
          onChange={(_event, data) => {
            onChange({ ...preferences, dateOrder: data.value as Preferences['dateOrder'] });
          }}
        >
          {DATE_ORDERS.map((value) => (
            <option key={value} value={value}>
              {DATE_LABELS[value]}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Numbers are written like">
        <Select
          value={preferences.numberLocale}
          onChange={(_event, data) => {
            onChange({ ...preferences, numberLocale: data.value as Preferences['numberLocale'] });
          }}
        >
          {NUMBER_LOCALES.map((value) => (
            <option key={value} value={value}>
              {NUMBER_LABELS[value]}
            </option>
          ))}
        </Select>
      </Field>
    </section>
  );
}
