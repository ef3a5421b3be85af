import {
  Badge,
  Table,
  TableBody,
  TableCell,
  TableCellLayout,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Tooltip,
  makeStyles,
} from '@fluentui/react-components';
import { WarningRegular } from '@fluentui/react-icons';
import type { ColumnProfile, TableProfile } from '../engine/types.ts';
import { nonConformingMessage } from './format.ts';
import { FillBar } from './FillBar.tsx';

const useStyles = makeStyles({
  // Narrow panes (320px) scroll the table sideways rather than squashing it.
  scroller: { overflowX: 'auto', maxWidth: '100%' },
  table: { minWidth: '300px' },
  name: { overflowWrap: 'anywhere' },
  number: { textAlign: 'end', fontVariantNumeric: 'tabular-nums' },
  type: { display: 'inline-flex', alignItems: 'center', gap: '4px' },
  bar: { width: '56px' },
});

const numbers = new Intl.NumberFormat();

function NonConformingBadge({ column }: { column: ColumnProfile }) {
  const message = nonConformingMessage(column);
  return (
    <Tooltip content={message} relationship="label">
      {/* Focusable so keyboard users can reach the tooltip too. */}
      <Badge role="img" tabIndex={0} size="small" appearance="tint" color="warning" icon={<WarningRegular />} />
    </Tooltip>
  );
}

export interface ProfileTableProps {
  profile: TableProfile;
}

/** One row per column: the engine's inferred type, counts and how filled it is. */
export function ProfileTable({ profile }: ProfileTableProps) {
  const styles = useStyles();
  return (
    <div className={styles.scroller}>
      <Table size="extra-small" aria-label="Column profile" data-testid="profile-table" className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Column</TableHeaderCell>
            <TableHeaderCell>Type</TableHeaderCell>
            <TableHeaderCell className={styles.number}>Count</TableHeaderCell>
            <TableHeaderCell className={styles.number}>Missing</TableHeaderCell>
            <TableHeaderCell className={styles.number}>Distinct</TableHeaderCell>
            <TableHeaderCell className={styles.bar}>Filled</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {profile.columns.map((column, index) => (
            // Column names can repeat in real sheets, so the position is the key.
            <TableRow key={index} data-testid="profile-row" data-column={column.name}>
              <TableCell className={styles.name}>{column.name}</TableCell>
              <TableCell>
                <TableCellLayout>
                  <span className={styles.type}>
                    {column.inferredType}
                    {column.nonConforming > 0 && <NonConformingBadge column={column} />}
                  </span>
                </TableCellLayout>
              </TableCell>
              <TableCell className={styles.number}>{numbers.format(column.count)}</TableCell>
              <TableCell className={styles.number}>{numbers.format(column.missing)}</TableCell>
              <TableCell className={styles.number}>{numbers.format(column.distinct)}</TableCell>
              <TableCell className={styles.bar}>
                <FillBar present={column.count} total={profile.rowCount} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
