/** The header: the project's name, and the one line that says what needs attention first. */
import type { OffloadState } from '../../main/core/state';
import type { Attention } from '../../main/core/format';
import { SectionMemo, setAttr, setText } from '../dom';
import { $ } from '../view-context';

/** The header; `render` takes the attention line `mountView` computed once for the whole page. */
export function headerSection(): { render(state: OffloadState, attention: Attention): void } {
  const memo = new SectionMemo();
  return {
    render(s, a) {
      setText($('project-name'), s.project ? `Offload — ${s.project.name}` : 'Offload');
      // Only announce real changes (aria-live), not every sample.
      if (memo.changed('status', [a.text, a.level])) {
        const line = $('status-line');
        setText(line, a.text);
        setAttr(line, 'data-level', a.level);
        setAttr(line, 'title', a.text);
      }
    },
  };
}
