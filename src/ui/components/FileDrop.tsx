/** A file input that also accepts a file dropped onto it. */
import { useState, type DragEvent } from 'react';

export interface FileDropProps {
  label: string;
  accept?: string;
  disabled?: boolean;
  testId?: string;
  onFile(file: File): void;
}

export function FileDrop({ label, accept = '.jsonl,.json,.txt', disabled = false, testId, onFile }: FileDropProps) {
  const [over, setOver] = useState(false);

  const onDrop = (event: DragEvent<HTMLLabelElement>) => {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file && !disabled) onFile(file);
  };

  return (
    <label
      className={over ? 'file-drop over' : 'file-drop'}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <span>{label}</span>
      <input
        type="file"
        accept={accept}
        disabled={disabled}
        data-testid={testId}
        onChange={(event) => {
          const file = event.target.files?.[0];
          // Clearing the value lets the same file be chosen again after a fix.
          event.target.value = '';
          if (file) onFile(file);
        }}
      />
      <span className="file-drop-hint">or drop a file here</span>
    </label>
  );
}
