import { useId, useRef, useState, type DragEvent } from 'react';
import { Button, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { DocumentArrowUpRegular } from '@fluentui/react-icons';

/** The formats calamine reads inside the engine. */
export const ACCEPTED_FILE_TYPES = '.xlsx,.xlsm,.xlsb,.xls,.ods,.csv,.tsv';

const useStyles = makeStyles({
  zone: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingVerticalL,
    border: `${tokens.strokeWidthThick} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    textAlign: 'center',
  },
  dragging: {
    border: `${tokens.strokeWidthThick} dashed ${tokens.colorBrandStroke1}`,
    backgroundColor: tokens.colorBrandBackground2,
  },
  // Hidden from sight and the tab order: the button is the keyboard's way in.
  input: { display: 'none' },
});

export interface FileDropZoneProps {
  onFile: (file: File) => void;
  disabled?: boolean;
  /** What happens to the file, ending the hint: "profile it" unless given. */
  purpose?: string;
}

/** Takes a spreadsheet dropped on it or chosen through the "Choose a file" button. */
export function FileDropZone({ onFile, disabled = false, purpose = 'profile it' }: FileDropZoneProps) {
  const styles = useStyles();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const hintId = useId();

  const takeFirst = (files: FileList | null) => {
    const file = files?.[0];
    if (file && !disabled) onFile(file);
  };

  const onDragOver = (event: DragEvent) => {
    // Without preventDefault the browser would open the file instead of dropping it here.
    event.preventDefault();
    event.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
    setDragging(true);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    takeFirst(event.dataTransfer.files);
  };

  return (
    <div
      role="group"
      aria-label="Spreadsheet to profile"
      aria-describedby={hintId}
      data-testid="drop-zone"
      className={mergeClasses(styles.zone, dragging && styles.dragging)}
      onDragOver={onDragOver}
      onDragLeave={() => {
        setDragging(false);
      }}
      onDrop={onDrop}
    >
      <Text id={hintId}>Drop an Excel, OpenDocument or CSV file here to {purpose}. It never leaves this computer.</Text>
      <Button
        appearance="primary"
        icon={<DocumentArrowUpRegular />}
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        Choose a file
      </Button>
      <input
        ref={input}
        type="file"
        data-testid="file-input"
        accept={ACCEPTED_FILE_TYPES}
        className={styles.input}
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => {
          takeFirst(event.target.files);
          // Reset, so choosing the same file again (after editing it) profiles it again.
          event.target.value = '';
        }}
      />
    </div>
  );
}
