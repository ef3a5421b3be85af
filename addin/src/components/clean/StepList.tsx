import { memo, useId } from 'react';
import { Caption1, Checkbox, Field, Input, Select, Slider, makeStyles, tokens } from '@fluentui/react-components';
import {
  COLUMN_TYPES,
  DATE_ORDERS,
  DUPLICATE_ACTIONS,
  FILL_STRATEGIES,
  TEXT_CASES,
  formatThreshold,
  parseTokens,
  stepTitle,
  withParam,
  type EditableStep,
  type RecipeStep,
} from './steps.ts';

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, margin: 0, padding: 0, listStyleType: 'none' },
  item: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    paddingBottom: tokens.spacingVerticalXS,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
  },
  params: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, paddingLeft: tokens.spacingHorizontalXXL },
  field: { minWidth: '120px', flexGrow: 1 },
  keys: { display: 'flex', flexWrap: 'wrap', border: 'none', margin: 0, padding: 0, minWidth: 0 },
  legend: { padding: 0, fontSize: tokens.fontSizeBase200 },
});

const str = (step: RecipeStep, key: string): string => (typeof step[key] === 'string' ? (step[key]) : '');
const num = (step: RecipeStep, key: string, fallback: number): number => (typeof step[key] === 'number' ? (step[key]) : fallback);

interface EditorProps {
  step: RecipeStep;
  title: string;
  columns: readonly string[];
  disabled: boolean;
  onChange: (step: RecipeStep) => void;
}

function ThresholdSlider({ step, title, disabled, onChange, label }: EditorProps & { label: string }) {
  const value = num(step, 'threshold', 0.8);
  return (
    <Field label={`${label}: ${formatThreshold(value)}`} size="small" style={{ minWidth: '160px', flexGrow: 1 }}>
      <Slider
        min={0}
        max={1}
        step={0.05}
        size="small"
        value={value}
        disabled={disabled}
        aria-label={`${label} for ${title}`}
        aria-valuetext={formatThreshold(value)}
        data-testid="threshold"
        onChange={(_event, data) => {
          onChange(withParam(step, 'threshold', Math.round(data.value * 100) / 100));
        }}
      />
    </Field>
  );
}

function ChoiceField({
  label,
  value,
  options,
  disabled,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  disabled: boolean;
  onChange: (value: string) => void;
  testId?: string;
}) {
  const styles = useStyles();
  return (
    <Field label={label} size="small" className={styles.field}>
      <Select
        size="small"
        value={value}
        disabled={disabled}
        data-testid={testId}
        onChange={(_event, data) => {
          onChange(data.value);
        }}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </Select>
    </Field>
  );
}

const AUTO = '';

function StandardizeEditor({ step, disabled, onChange }: EditorProps) {
  const styles = useStyles();
  const type = str(step, 'as');
  const textual = type === 'category' || type === 'text';
  const temporal = type === 'date' || type === 'datetime';
  const missing = Array.isArray(step.missing) ? (step.missing as string[]).join(', ') : '';
  return (
    <>
      <ChoiceField
        label="Type"
        value={type}
        disabled={disabled}
        options={[{ value: AUTO, label: 'Decide from the data' }, ...COLUMN_TYPES.map((t) => ({ value: t, label: t }))]}
        onChange={(value) => {
          onChange(withParam(step, 'as', value === AUTO ? null : value));
        }}
      />
      {textual && (
        <ChoiceField
          label="Letter case"
          value={str(step, 'case')}
          disabled={disabled}
          options={[{ value: AUTO, label: 'Keep as is' }, ...TEXT_CASES.map((c) => ({ value: c, label: c }))]}
          onChange={(value) => {
            onChange(withParam(step, 'case', value === AUTO ? undefined : value));
          }}
        />
      )}
      {temporal && (
        <ChoiceField
          label="Date order"
          value={str(step, 'dateOrder')}
          disabled={disabled}
          options={[{ value: AUTO, label: 'Decide from the data' }, ...DATE_ORDERS.map((o) => ({ value: o, label: o === 'dmy' ? 'day/month/year' : 'month/day/year' }))]}
          onChange={(value) => {
            onChange(withParam(step, 'dateOrder', value === AUTO ? undefined : value));
          }}
        />
      )}
      <Field label="Means missing (comma-separated)" size="small" className={styles.field}>
        <Input
          size="small"
          defaultValue={missing}
          disabled={disabled}
          placeholder="n/a, -, none"
          onBlur={(event) => {
            onChange(withParam(step, 'missing', parseTokens(event.currentTarget.value)));
          }}
        />
      </Field>
    </>
  );
}

function FillEditor({ step, disabled, onChange }: EditorProps) {
  const styles = useStyles();
  const strategy = str(step, 'strategy');
  return (
    <>
      <ChoiceField
        label="Fill with"
        value={strategy}
        disabled={disabled}
        options={FILL_STRATEGIES}
        testId="fill-strategy"
        onChange={(value) => {
          const next = withParam(step, 'strategy', value);
          onChange(value === 'value' ? withParam(next, 'value', step.value ?? '') : withParam(next, 'value', undefined));
        }}
      />
      {strategy === 'value' && (
        <Field label="Value" size="small" className={styles.field}>
          <Input
            size="small"
            value={typeof step.value === 'string' || typeof step.value === 'number' ? String(step.value) : ''}
            disabled={disabled}
            onChange={(_event, data) => {
              onChange(withParam(step, 'value', data.value));
            }}
          />
        </Field>
      )}
    </>
  );
}

function DuplicatesEditor(props: EditorProps) {
  const styles = useStyles();
  const { step, columns, disabled, onChange, title } = props;
  const keys = Array.isArray(step.keys) ? (step.keys as string[]) : [];
  const legendId = useId();
  return (
    <>
      <ThresholdSlider {...props} label="Similarity threshold" />
      <ChoiceField
        label="Then"
        value={str(step, 'action') || 'flag'}
        disabled={disabled}
        options={DUPLICATE_ACTIONS}
        testId="duplicate-action"
        onChange={(value) => {
          onChange(withParam(step, 'action', value));
        }}
      />
      <fieldset className={styles.keys} aria-labelledby={legendId} data-testid="key-columns">
        <legend id={legendId} className={styles.legend}>
          Key columns for {title} (none ticked: all columns)
        </legend>
        {columns.map((column) => (
          <Checkbox
            key={column}
            size="medium"
            label={column}
            disabled={disabled}
            checked={keys.includes(column)}
            onChange={(_event, data) => {
              const next = data.checked === true ? [...keys, column] : keys.filter((k) => k !== column);
              // Kept in the table's column order, so the recipe reads the same however it was ticked.
              const ordered = columns.filter((c) => next.includes(c));
              onChange(withParam(step, 'keys', ordered.length > 0 ? ordered : undefined));
            }}
          />
        ))}
      </fieldset>
    </>
  );
}

function StepEditor(props: EditorProps) {
  const { step, disabled, onChange } = props;
  switch (step.op) {
    case 'standardize':
      return <StandardizeEditor {...props} />;
    case 'fill_missing':
      return <FillEditor {...props} />;
    case 'merge_variants':
      return <ThresholdSlider {...props} label="Similarity threshold" />;
    case 'duplicates':
      return <DuplicatesEditor {...props} />;
    case 'check_dependency':
      return (
        <Checkbox
          label="Write the majority value"
          disabled={disabled}
          checked={step.fix === true}
          onChange={(_event, data) => {
            onChange(withParam(step, 'fix', data.checked === true));
          }}
        />
      );
    case 'replace_values': {
      const count = step.map && typeof step.map === 'object' ? Object.keys(step.map).length : 0;
      return <Caption1>{count} replacements</Caption1>;
    }
    default:
      return null;
  }
}

interface StepRowProps {
  item: EditableStep;
  columns: readonly string[];
  disabled: boolean;
  onChange: (id: string, next: EditableStep) => void;
}

// Memoised: moving one slider re-renders that step, not the whole list.
const StepRow = memo(function StepRow({ item, columns, disabled, onChange }: StepRowProps) {
  const styles = useStyles();
  const title = stepTitle(item.step);
  return (
    <li className={styles.item} data-testid="recipe-step" data-op={item.step.op}>
      <Checkbox
        label={title}
        checked={item.enabled}
        disabled={disabled}
        onChange={(_event, data) => {
          onChange(item.id, { ...item, enabled: data.checked === true });
        }}
      />
      {item.enabled && (
        <div className={styles.params}>
          <StepEditor
            step={item.step}
            title={title}
            columns={columns}
            disabled={disabled}
            onChange={(step) => {
              onChange(item.id, { ...item, step });
            }}
          />
        </div>
      )}
    </li>
  );
});

export interface StepListProps {
  steps: readonly EditableStep[];
  columns: readonly string[];
  disabled: boolean;
  onChange: (id: string, next: EditableStep) => void;
}

/** The recipe's steps, each switchable and with its simple parameters editable. */
export function StepList({ steps, columns, disabled, onChange }: StepListProps) {
  const styles = useStyles();
  return (
    <ol className={styles.list} aria-label="Cleaning steps" data-testid="recipe-steps">
      {steps.map((item) => (
        <StepRow key={item.id} item={item} columns={columns} disabled={disabled} onChange={onChange} />
      ))}
    </ol>
  );
}
