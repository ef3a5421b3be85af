import { Caption1, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ColumnProfile, TableProfile } from '../../engine/types.ts';

const useStyles = makeStyles({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))',
    gap: tokens.spacingHorizontalS,
    margin: 0,
    padding: 0,
    listStyleType: 'none',
  },
  card: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: tokens.spacingHorizontalS,
    borderRadius: tokens.borderRadiusMedium,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    minWidth: 0,
  },
  name: { overflowWrap: 'anywhere' },
  svg: { display: 'block', width: '100%', height: '10px' },
  legend: { color: tokens.colorNeutralForeground2 },
  valueRow: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) 48px', alignItems: 'center', gap: '4px' },
  valueText: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', fontSize: tokens.fontSizeBase200 },
  // High-contrast modes drop fills: the bars keep a system colour so they still read.
  valid: { fill: tokens.colorBrandBackground, '@media (forced-colors: active)': { fill: 'Highlight' } },
  off: { fill: tokens.colorPaletteYellowBackground3, '@media (forced-colors: active)': { fill: 'GrayText' } },
  error: { fill: tokens.colorPaletteRedBackground3, '@media (forced-colors: active)': { fill: 'LinkText' } },
  missing: { fill: tokens.colorNeutralBackground5, '@media (forced-colors: active)': { fill: 'Canvas' } },
  track: { fill: tokens.colorNeutralBackground5 },
});

const numbers = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });

/** How a column's cells split: as the type, not as the type, errors, blank. */
function typeMix(column: ColumnProfile, rowCount: number) {
  const errors = Math.max(0, column.errors);
  const off = Math.max(0, column.nonConforming);
  const valid = Math.max(0, column.count - off - errors);
  const missing = Math.max(0, rowCount - valid - off - errors);
  return { valid, off, errors, missing };
}

function MixBar({ column, rowCount }: { column: ColumnProfile; rowCount: number }) {
  const styles = useStyles();
  const mix = typeMix(column, rowCount);
  const total = Math.max(1, mix.valid + mix.off + mix.errors + mix.missing);
  const parts = [
    { key: 'valid', value: mix.valid, className: styles.valid },
    { key: 'off', value: mix.off, className: styles.off },
    { key: 'errors', value: mix.errors, className: styles.error },
    { key: 'missing', value: mix.missing, className: styles.missing },
  ];
  let x = 0;
  const label =
    `${column.name}: ${numbers.format(mix.valid)} ${column.inferredType}, ${numbers.format(mix.off)} not ${column.inferredType}, ` +
    `${numbers.format(mix.errors)} errors, ${numbers.format(mix.missing)} missing of ${numbers.format(rowCount)} rows`;
  return (
    <svg role="img" aria-label={label} className={styles.svg} viewBox="0 0 100 10" preserveAspectRatio="none" data-testid="type-mix">
      <title>{label}</title>
      {parts.map((part) => {
        const width = (part.value / total) * 100;
        const rect = <rect key={part.key} x={x} y={0} width={width} height={10} className={part.className} />;
        x += width;
        return rect;
      })}
    </svg>
  );
}

function TopValues({ column }: { column: ColumnProfile }) {
  const styles = useStyles();
  const top = column.topValues.slice(0, 4);
  const most = Math.max(1, ...top.map((value) => value.count));
  return (
    <ul aria-label={`Most frequent values in ${column.name}`} style={{ margin: 0, padding: 0, listStyleType: 'none' }}>
      {top.map((value, index) => (
        <li key={index} className={styles.valueRow}>
          <span className={styles.valueText} title={value.value}>
            {value.value === '' ? '(blank)' : value.value} <span className={styles.legend}>{numbers.format(value.count)}</span>
          </span>
          <svg aria-hidden="true" className={styles.svg} viewBox="0 0 100 10" preserveAspectRatio="none">
            <rect x={0} y={0} width={100} height={10} className={styles.track} />
            <rect x={0} y={0} width={(value.count / most) * 100} height={10} className={styles.valid} />
          </svg>
        </li>
      ))}
    </ul>
  );
}

/** The range of a numeric column: min and max with the mean marked between them. */
function NumericRange({ column }: { column: ColumnProfile }) {
  const styles = useStyles();
  const numeric = column.numeric;
  if (!numeric) return null;
  const span = numeric.max - numeric.min;
  const at = span > 0 ? ((numeric.mean - numeric.min) / span) * 100 : 50;
  const label = `${column.name}: min ${compact.format(numeric.min)}, mean ${compact.format(numeric.mean)}, max ${compact.format(numeric.max)}`;
  return (
    <div>
      <svg role="img" aria-label={label} className={styles.svg} viewBox="0 0 100 10" preserveAspectRatio="none">
        <rect x={0} y={4} width={100} height={2} className={styles.track} />
        <rect x={Math.max(0, Math.min(98, at - 1))} y={0} width={2} height={10} className={styles.valid} />
      </svg>
      <Caption1 className={styles.legend}>
        {compact.format(numeric.min)} · μ {compact.format(numeric.mean)} · {compact.format(numeric.max)}
      </Caption1>
    </div>
  );
}

export interface ColumnChartsProps {
  profile: TableProfile;
}

/** One small card per column: the type mix bar, then the top values or the numeric range. */
export function ColumnCharts({ profile }: ColumnChartsProps) {
  const styles = useStyles();
  return (
    <ul className={styles.grid} aria-label="Column charts" data-testid="column-charts">
      {profile.columns.map((column, index) => {
        const missingShare = profile.rowCount > 0 ? Math.round((column.missing / profile.rowCount) * 100) : 0;
        return (
          <li key={index} className={styles.card} data-testid="column-chart" data-column={column.name}>
            <Text weight="semibold" size={200} className={styles.name}>
              {column.name}
            </Text>
            <Caption1 className={styles.legend}>
              {column.inferredType} · {missingShare}% missing · {numbers.format(column.distinct)} distinct
            </Caption1>
            <MixBar column={column} rowCount={profile.rowCount} />
            {column.numeric ? <NumericRange column={column} /> : column.topValues.length > 0 && <TopValues column={column} />}
          </li>
        );
      })}
    </ul>
  );
}
