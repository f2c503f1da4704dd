// The human half of a benchmark's output: labelled rows, aligned.

export type Row = [label: string, value: unknown];

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n## ${title}`);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${String(value)}`);
}
