import { CommanderError } from 'commander';
import { EXIT, UsageError } from './exit-codes.ts';
import { buildProgram } from './program.ts';

/**
 * The thin shell: parse, dispatch, map errors to exit codes. Commands set process.exitCode;
 * only this file ends the process.
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return EXIT.ok;
      }
      // Commander has already printed "error: …"; add the usage of the command that failed.
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`faultline: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`faultline: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.internal;
  }
}

const code = await main(process.argv.slice(2));
// The shell ends the process: a stopped server's leftover wall-clock timers (a simulator's
// fulfillment orders in progress, keep-alive sockets) must not keep it alive.
process.exit(code);
