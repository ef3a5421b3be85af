import { describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { renderWithFluent } from '../../test/render.tsx';
import { MarkdownAnswer } from './Markdown.tsx';

const answer = '| Region | Total |\n|---|---|\n| North | 1 |\n\n```excel\n=SUM(B:B)\n```\n';

describe('MarkdownAnswer', () => {
  it('keeps its buttons (and the focus on them) when the chat re-renders with new handlers', () => {
    const view = renderWithFluent(<MarkdownAnswer text={answer} onInsertTable={() => undefined} onInsertFormula={() => undefined} />);
    const formulaButton = screen.getByRole('button', { name: 'Insert the formula =SUM(B:B) at the selected cell' });
    const tableButton = screen.getByRole('button', { name: 'Insert the table (Region, Total) into the sheet' });
    formulaButton.focus();

    const onInsertFormula = vi.fn();
    view.rerender(
      <FluentProvider theme={webLightTheme}>
        <MarkdownAnswer text={answer} onInsertTable={() => undefined} onInsertFormula={onInsertFormula} />
      </FluentProvider>,
    );

    expect(screen.getByRole('button', { name: /Insert the formula/ })).toBe(formulaButton);
    expect(screen.getByRole('button', { name: /Insert the table/ })).toBe(tableButton);
    expect(formulaButton).toHaveFocus();
    formulaButton.click();
    expect(onInsertFormula).toHaveBeenCalledWith('=SUM(B:B)');
  });

  it('drops raw HTML and unsafe links', () => {
    renderWithFluent(<MarkdownAnswer text={'<img src=x onerror=alert(1)> [x](javascript:alert(1))'} />);
    expect(document.querySelector('img')).toBeNull();
    expect(screen.getByText('x').getAttribute('href') ?? '').not.toContain('javascript');
  });
});
