// Placeholder until the parse command lands (owned by its engineer; replace this file).
import { exitUsage, type Command } from './io.ts';

export const run: Command = async (_argv, io) => {
  io.stderr('go-heap-lens parse: not available in this build\n');
  return exitUsage;
};
