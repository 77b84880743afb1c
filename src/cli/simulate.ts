// Placeholder until the simulate command lands (owned by its engineer; replace this file).
import { exitUsage, type Command } from './io.ts';

export const run: Command = async (_argv, io) => {
  io.stderr('go-heap-lens simulate: not available in this build\n');
  return exitUsage;
};
