import { makeStyles, tokens } from '@fluentui/react-components';
import { filledPercent } from './format.ts';

const useStyles = makeStyles({
  track: {
    display: 'flex',
    width: '100%',
    minWidth: '40px',
    height: '8px',
    borderRadius: tokens.borderRadiusSmall,
    overflow: 'hidden',
    backgroundColor: tokens.colorNeutralBackground5,
    // High-contrast modes drop background colours: outline the track and
    // paint the filled share with a system colour so the bar still reads.
    '@media (forced-colors: active)': {
      outlineWidth: '1px',
      outlineStyle: 'solid',
      outlineColor: 'CanvasText',
    },
  },
  filled: {
    backgroundColor: tokens.colorBrandBackground,
    '@media (forced-colors: active)': {
      forcedColorAdjust: 'none',
      backgroundColor: 'Highlight',
    },
  },
});

export interface FillBarProps {
  present: number;
  total: number;
}

/** A small bar showing how much of a column has a value. */
export function FillBar({ present, total }: FillBarProps) {
  const styles = useStyles();
  const percent = filledPercent(present, total);
  const exactWidth = total > 0 ? (Math.min(present, total) / total) * 100 : 0;
  return (
    <div
      role="img"
      aria-label={`${percent}% filled`}
      title={`${present} of ${total} cells filled`}
      className={styles.track}
    >
      <div className={styles.filled} style={{ width: `${exactWidth}%` }} />
    </div>
  );
}
