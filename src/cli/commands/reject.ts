import { verdictCommand } from './approve.ts';

/** `runway reject RUN --comment …`. */
export const run = verdictCommand('reject');
