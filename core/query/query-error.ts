/**
 * Query errors: a LogharborError (core/errors.ts) whose `column` is the 1-based position of
 * the bad token in the query, counted in UTF-16 code units as JavaScript indexes strings (so
 * the viewer can put the caret there). On a query of several lines the message also names
 * the line and the column within it.
 */
import { Errors, LogharborError, type ErrorDef } from '../errors.js';

function where(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  if (line === 1) return `column ${offset + 1}`;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function make(def: ErrorDef, text: string, offset: number, detail: string): LogharborError {
  const at = Math.max(0, Math.min(offset, text.length));
  return new LogharborError(def, `${detail} (at ${where(text, at)})`, at + 1);
}

/** A grammar or meaning error at `offset` (0-based) in `text`. */
export function syntaxError(text: string, offset: number, detail: string): LogharborError {
  return make(Errors.QUERY_SYNTAX, text, offset, detail);
}

/** A hard limit (length, depth, terms, regex size) passed at `offset`. */
export function limitError(text: string, offset: number, detail: string): LogharborError {
  return make(Errors.QUERY_TOO_LONG, text, offset, detail);
}
