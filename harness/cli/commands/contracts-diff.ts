import { DiffInputError, diffContracts, renderJson, renderText } from '../../../contracts/tools/diff/index.ts';
import { EXIT, UsageError } from '../exit-codes.ts';

export interface ContractsDiffOptions {
  json?: boolean;
}

/**
 * `faultline contracts diff OLD NEW [--json]`: exit 1 when a change breaks clients (or, for an
 * event schema, producers or consumers), 0 when everything is compatible (warnings included),
 * 2 for a missing or unparsable file or two files of different kinds.
 */
export default async function contractsDiff(oldPath: string, newPath: string, options: ContractsDiffOptions = {}): Promise<number> {
  let result;
  try {
    result = diffContracts(oldPath, newPath);
  } catch (error) {
    if (error instanceof DiffInputError) throw new UsageError(error.message);
    throw error;
  }
  process.stdout.write(options.json ? renderJson(result) : renderText(result));
  return result.counts.breaking > 0 ? EXIT.failed : EXIT.ok;
}
