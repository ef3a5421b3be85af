import { createContext, useContext, useMemo, type ComponentPropsWithoutRef } from 'react';
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

interface AnswerActions {
  onInsertTable?: (rows: string[][]) => void;
  onInsertFormula?: (formula: string) => void;
  insertDisabled?: boolean;
  tableWrapClass: string;
  tableClass: string;
}

// The renderers below are module-level and read the answer's actions from a
// context: renderers created inside the component would be new component
// types on every render, so React would remount every table and button each
// time the chat re-renders — a keyboard user's focus would be lost and a
// click landing mid-render would hit a detached button.
const ActionsContext = createContext<AnswerActions>({ tableWrapClass: '', tableClass: '' });

function SafeLink({ children, href, title }: ComponentPropsWithoutRef<'a'> & ExtraProps) {
  return (
    <a href={href} title={title} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

function CodeBlock({ node, children }: ComponentPropsWithoutRef<'pre'> & ExtraProps) {
  const { onInsertFormula, insertDisabled } = useContext(ActionsContext);
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
}

function AnswerTable({ node, children }: ComponentPropsWithoutRef<'table'> & ExtraProps) {
  const { onInsertTable, insertDisabled, tableWrapClass, tableClass } = useContext(ActionsContext);
  // Named by its header, so a screen reader tells several tables apart.
  const header = node ? (tableText(node)[0] ?? []).join(', ') : '';
  const label = `Insert the table (${header}) into the sheet`;
  return (
    <div className={tableWrapClass}>
      <table className={tableClass}>{children}</table>
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
}

const components: Components = { a: SafeLink, pre: CodeBlock, table: AnswerTable };
const remarkPlugins = [remarkGfm];

/**
 * An answer rendered as GitHub-flavoured Markdown. Raw HTML is dropped, not
 * rendered (no rehype-raw), and react-markdown's URL filter removes
 * `javascript:` and other unsafe links; links open outside the pane.
 */
export function MarkdownAnswer({ text, onInsertTable, onInsertFormula, insertDisabled }: MarkdownAnswerProps) {
  const styles = useStyles();
  const actions = useMemo(
    () => ({ onInsertTable, onInsertFormula, insertDisabled, tableWrapClass: styles.tableWrap, tableClass: styles.table }),
    [onInsertTable, onInsertFormula, insertDisabled, styles.tableWrap, styles.table],
  );
  return (
    <div className={styles.body}>
      <ActionsContext.Provider value={actions}>
        <Markdown remarkPlugins={remarkPlugins} skipHtml components={components}>
          {text}
        </Markdown>
      </ActionsContext.Provider>
    </div>
  );
}
