/*
 * GitHub Actions workflow commands (`::error file=…::message`, `::add-mask::value`) as the runner
 * parses them from a step's stdout: data escapes `%`, CR and LF; property values also `:` and `,`.
 */

/** The severity of an annotation. */
export type AnnotationLevel = 'error' | 'warning' | 'notice';

/** Where an annotation points and its title; every field is optional. */
export interface AnnotationProps {
  file?: string;
  line?: number;
  col?: number;
  title?: string;
}

/** Escapes a command's message as the runner expects. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value (also `:` and `,`, which delimit properties). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * One annotation line.
 * @example annotation('error', 'step failed', { file: 'runway.yaml', line: 12 }) // '::error file=runway.yaml,line=12::step failed'
 */
export function annotation(level: AnnotationLevel, message: string, props: AnnotationProps = {}): string {
  const parts: string[] = [];
  if (props.file !== undefined) parts.push(`file=${escapeProperty(props.file)}`);
  if (props.line !== undefined) parts.push(`line=${props.line}`);
  if (props.col !== undefined) parts.push(`col=${props.col}`);
  if (props.title !== undefined) parts.push(`title=${escapeProperty(props.title)}`);
  return `::${level}${parts.length > 0 ? ` ${parts.join(',')}` : ''}::${escapeData(message)}`;
}

/** The line that asks the runner to mask a value in every later log line; one per line of the value. */
export function addMask(value: string): string[] {
  return value
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => `::add-mask::${escapeData(line)}`);
}
