import type { ComponentPropsWithoutRef } from 'react';
import Markdown, { type Components, type ExtraProps } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { Button, makeStyles, tokens } from '@fluentui/react-components';
import { MathFormulaRegular, TableAddRegular } from '@fluentui/react-icons';
import { formulaOf, tableText } from './tableValues.ts';

const useStyles = makeStyles({
  body: {
    overflowWrap: 'anywhere',
    '& p': { margin: `0 0 ${tokens.spacingVerticalS}` },
    '& pre': { overflowX: 'auto', padding: tokens.spacingHorizontalS, backgroundColor: tokens.colorNeutralBackground3 },
    '& code': { fontFamily: tokens.fontFamilyMonospace },
  },
  tableWrap: { overflowX: 'auto', marginBottom: tokens.spacingVerticalS },
  table: {
    borderCollapse: 'collapse',
    '& th, & td': { border: `1px solid ${tokens.colorNeutralStroke1}`, padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalS}`, textAlign: 'left' },
  },
});

export interface MarkdownAnswerProps {
  text: string;
  /** When given, each table gets an "Insert into sheet" button handing over its rows of text. */
  onInsertTable?: (rows: string[][]) => void;
  /** When given, a code block holding one formula gets an "Insert formula" button. */
  onInsertFormula?: (formula: string) => void;
  insertDisabled?: boolean;
}

/**
 * An answer rendered as GitHub-flavoured Markdown. Raw HTML is dropped, not
 * rendered (no rehype-raw), and react-markdown's URL filter removes
 * `javascript:` and other unsafe links; links open outside the pane.
 */
export function MarkdownAnswer({ text, onInsertTable, onInsertFormula, insertDisabled }: MarkdownAnswerProps) {
  const styles = useStyles();
  const components: Components = {
    a: ({ children, href, title }: ComponentPropsWithoutRef<'a'> & ExtraProps) => (
      <a href={href} title={title} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    ),
    pre: ({ node, children }: ComponentPropsWithoutRef<'pre'> & ExtraProps) => {
      const formula = node && onInsertFormula ? formulaOf(node) : undefined;
      return (
        <>
          <pre>{children}</pre>
          {formula !== undefined && onInsertFormula && (
            <Button
              size="small"
              icon={<MathFormulaRegular />}
              aria-label={`Insert the formula ${formula} at the selected cell`}
              disabled={insertDisabled}
              onClick={() => {
                onInsertFormula(formula);
              }}
            >
              Insert formula
            </Button>
          )}
        </>
      );
    },
    table: ({ node, children }: ComponentPropsWithoutRef<'table'> & ExtraProps) => {
      // Named by its header, so a screen reader tells several tables apart.
      const header = node ? (tableText(node)[0] ?? []).join(', ') : '';
      const label = `Insert the table (${header}) into the sheet`;
      return (
        <div className={styles.tableWrap}>
          <table className={styles.table}>{children}</table>
          {onInsertTable && node && (
            <Button
              size="small"
              icon={<TableAddRegular />}
              aria-label={label}
              disabled={insertDisabled}
              onClick={() => {
                onInsertTable(tableText(node));
              }}
            >
              Insert into sheet
            </Button>
          )}
        </div>
      );
    },
  };
  return (
    <div className={styles.body}>
      <Markdown remarkPlugins={[remarkGfm]} skipHtml components={components}>
        {text}
      </Markdown>
    </div>
  );
}
