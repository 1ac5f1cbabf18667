/**
 * Asks before something destructive (`overcloud delete`, `overcloud node delete`), as TripleO's client
 * does. With no terminal to ask on, the command refuses unless it was given --yes: a script must say so.
 */
import { createInterface } from 'node:readline/promises';
import { InvalidError } from '../../errors.js';

export async function confirmed(question: string, what: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new InvalidError('CONFIRMATION_REQUIRED', `refusing to ${what} without --yes (no terminal to ask on)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
