/** A button that requests confirmation inline before it runs a destructive action. */
import { useState } from 'react';

export interface ConfirmButtonProps {
  label: string;
  /** The question shown after the first click, e.g. "Delete run X and its 500 results?" */
  question: string;
  confirmLabel?: string;
  testId?: string;
  onConfirm(): void | Promise<void>;
}

export function ConfirmButton({ label, question, confirmLabel = 'Delete', testId, onConfirm }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="secondary" data-testid={testId} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="alertdialog" aria-label={question}>
      <span>{question}</span>{' '}
      <button
        type="button"
        className="danger"
        disabled={busy}
        data-testid={testId ? `${testId}-confirm` : undefined}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {confirmLabel}
      </button>{' '}
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
