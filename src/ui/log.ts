// The one output channel ('Go Heap Lens'). Every `go` run is logged with its argv and cwd,
// so a user can paste the exact command into a terminal.
import * as vscode from 'vscode';
import { shellQuote } from '../toolchain/shellQuote.ts';

export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Go Heap Lens', { log: true });

  info(component: string, message: string): void {
    this.channel.info(`[${component}] ${message}`);
  }

  warn(component: string, message: string): void {
    this.channel.warn(`[${component}] ${message}`);
  }

  error(component: string, message: string): void {
    this.channel.error(`[${component}] ${message}`);
  }

  /** command logs one toolchain invocation, quoted the way a POSIX shell would need it. */
  command(argv: readonly string[], cwd: string): void {
    this.channel.info(`[go] cd ${shellQuote(cwd)} && ${argv.map(shellQuote).join(' ')}`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
