import { Dropdown, Field, Option } from '@fluentui/react-components';

export interface SheetPickerProps {
  sheetNames: string[];
  selected: string;
  disabled?: boolean;
  onSelect: (sheet: string) => void;
}

/** Lets the user profile another sheet of the same workbook. */
export function SheetPicker({ sheetNames, selected, disabled = false, onSelect }: SheetPickerProps) {
  return (
    <Field label="Sheet">
      <Dropdown
        data-testid="sheet-picker"
        value={selected}
        selectedOptions={[selected]}
        disabled={disabled}
        onOptionSelect={(_event, data) => {
          if (data.optionValue && data.optionValue !== selected) onSelect(data.optionValue);
        }}
      >
        {sheetNames.map((name) => (
          <Option key={name} value={name}>
            {name}
          </Option>
        ))}
      </Dropdown>
    </Field>
  );
}
