/**
 * Explains why comment outputs cannot work in this Word (no WordApi 1.4) and offers the section output instead.
 */
import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
} from '@fluentui/react-components';

/** Props of {@link CommentsFallback}. */
export interface CommentsFallbackProps {
  onUseSection(): void;
}

/** A warning bar with a one-click switch to "New section at the top". */
export function CommentsFallback({ onUseSection }: CommentsFallbackProps) {
  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>Comments are not available here</MessageBarTitle> Inserting comments needs WordApi
        1.4 (Word 2021, Microsoft 365 or Word on the web); this version of Word does not have it. The summary
        can go into a new section instead.
      </MessageBarBody>
      <MessageBarActions>
        <Button onClick={onUseSection}>Use a section at the top</Button>
      </MessageBarActions>
    </MessageBar>
  );
}
