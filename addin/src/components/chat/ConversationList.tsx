import { useState } from 'react';
import {
  Button,
  Field,
  Input,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Switch,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, MoreHorizontalRegular } from '@fluentui/react-icons';
import type { ConversationSummary } from '../../api/conversations.ts';

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, listStyleType: 'none', margin: 0, padding: 0, maxHeight: '30vh', overflowY: 'auto' },
  item: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  title: { flexGrow: 1, justifyContent: 'flex-start', minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  selected: { backgroundColor: tokens.colorNeutralBackground1Selected },
  toolbar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  editor: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, width: '100%' },
  editorActions: { display: 'flex', gap: tokens.spacingHorizontalS },
});

export const UNTITLED = 'Untitled conversation';

export interface ConversationListProps {
  conversations: ConversationSummary[];
  selectedId: string | undefined;
  showArchived: boolean;
  busy: boolean;
  onShowArchived: (show: boolean) => void;
  onSelect: (id: string) => void;
  onNew: () => void;
  onRename: (id: string, title: string) => void;
  onArchive: (id: string, archived: boolean) => void;
  onDelete: (id: string) => void;
}

type Editing = { id: string; mode: 'rename'; title: string } | { id: string; mode: 'delete' };

/** The user's conversations: pick one, start one, rename, archive or delete. */
export function ConversationList(props: ConversationListProps) {
  const styles = useStyles();
  const [editing, setEditing] = useState<Editing | null>(null);
  const visible = props.conversations.filter((c) => props.showArchived || c.status === 'active');

  return (
    <nav aria-label="Conversations">
      <div className={styles.toolbar}>
        <Button icon={<AddRegular />} onClick={props.onNew} disabled={props.busy}>
          New conversation
        </Button>
        <Switch
          label="Show archived"
          checked={props.showArchived}
          onChange={(_event, data) => {
            props.onShowArchived(data.checked);
          }}
        />
      </div>
      {visible.length === 0 ? (
        <Text size={200}>No conversations yet: ask a question below to start one.</Text>
      ) : (
        <ul className={styles.list}>
          {visible.map((conversation) => {
            const title = conversation.title?.trim() || UNTITLED;
            const archived = conversation.status === 'archived';
            const current = editing?.id === conversation.id ? editing : null;
            if (current?.mode === 'rename') {
              const next = current.title.trim();
              return (
                <li key={conversation.id} className={styles.item}>
                  <form
                    className={styles.editor}
                    onSubmit={(event) => {
                      event.preventDefault();
                      if (!next) return;
                      props.onRename(conversation.id, next);
                      setEditing(null);
                    }}
                  >
                    <Field label="Conversation title" validationMessage={next ? undefined : 'A title cannot be empty.'}>
                      <Input
                        value={current.title}
                        maxLength={500}
                        autoFocus
                        onChange={(_event, data) => {
                          setEditing({ ...current, title: data.value });
                        }}
                        onKeyDown={(event) => {
                          if (event.key === 'Escape') setEditing(null);
                        }}
                      />
                    </Field>
                    <div className={styles.editorActions}>
                      <Button type="submit" appearance="primary" size="small" disabled={!next}>
                        Save
                      </Button>
                      <Button size="small" onClick={() => { setEditing(null); }}>
                        Cancel
                      </Button>
                    </div>
                  </form>
                </li>
              );
            }
            if (current?.mode === 'delete') {
              return (
                <li key={conversation.id} className={styles.item} role="group" aria-label={`Delete ${title}?`}>
                  <Text className={styles.title}>Delete “{title}” for good?</Text>
                  <Button
                    size="small"
                    appearance="primary"
                    onClick={() => {
                      props.onDelete(conversation.id);
                      setEditing(null);
                    }}
                  >
                    Delete
                  </Button>
                  <Button size="small" onClick={() => { setEditing(null); }}>
                    Keep
                  </Button>
                </li>
              );
            }
            return (
              <li key={conversation.id} className={styles.item}>
                <Button
                  appearance="subtle"
                  className={mergeClasses(styles.title, conversation.id === props.selectedId && styles.selected)}
                  aria-current={conversation.id === props.selectedId ? 'true' : undefined}
                  onClick={() => {
                    props.onSelect(conversation.id);
                  }}
                >
                  {archived ? `${title} (archived)` : title}
                </Button>
                <Menu>
                  <MenuTrigger disableButtonEnhancement>
                    <Button appearance="subtle" icon={<MoreHorizontalRegular />} aria-label={`Actions for ${title}`} disabled={props.busy} />
                  </MenuTrigger>
                  <MenuPopover>
                    <MenuList>
                      <MenuItem onClick={() => { setEditing({ id: conversation.id, mode: 'rename', title: conversation.title ?? '' }); }}>Rename</MenuItem>
                      <MenuItem onClick={() => { props.onArchive(conversation.id, !archived); }}>{archived ? 'Restore' : 'Archive'}</MenuItem>
                      <MenuItem onClick={() => { setEditing({ id: conversation.id, mode: 'delete' }); }}>Delete</MenuItem>
                    </MenuList>
                  </MenuPopover>
                </Menu>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
