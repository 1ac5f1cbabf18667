/**
 * Sets keys in an INI text in place, keeping every other line (comments, order, hand edits) as it was,
 * so a re-run of `undercloud install` with flags changes only what the flags change.
 */
export function setIniValues(text: string, section: string, values: Record<string, string>): { text: string; changed: string[] } {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const changed: string[] = [];
  let start = -1;
  let end = lines.length;
  let cur = 'DEFAULT';
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\[([^\]]+)\]\s*$/.exec(lines[i]!);
    if (m) {
      if (cur === section && start >= 0) {
        end = i;
        break;
      }
      cur = m[1]!.trim();
      if (cur === section) start = i;
    }
  }
  if (section === 'DEFAULT' && start < 0) {
    start = -1;
    const firstOther = lines.findIndex((l) => /^\s*\[/.test(l) && !/^\s*\[DEFAULT\]/.test(l));
    end = firstOther < 0 ? lines.length : firstOther;
  }
  if (start < 0 && section !== 'DEFAULT') {
    if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
    lines.push(`[${section}]`);
    start = lines.length - 1;
    end = lines.length;
  }
  for (const [key, value] of Object.entries(values)) {
    let found = false;
    for (let i = start + 1; i < end; i++) {
      const m = /^\s*([^#;=\s][^=]*?)\s*=\s*(.*)$/.exec(lines[i]!);
      if (m && m[1] === key) {
        found = true;
        if (m[2]!.trim() !== value) {
          lines[i] = `${key} = ${value}`;
          changed.push(key);
        }
        break;
      }
    }
    if (!found) {
      lines.splice(end, 0, `${key} = ${value}`);
      end++;
      changed.push(key);
    }
  }
  return { text: lines.join('\n') + '\n', changed };
}
