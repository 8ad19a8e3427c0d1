import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function messagesFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.line}: ${m.message}`);
}

describe('determinism lint rule', () => {
  it('rejects Date.now() in reference-impl/', async () => {
    const messages = await messagesFor('reference-impl/services/intake.ts', 'export const at = Date.now();\n');
    expect(messages).toEqual([expect.stringMatching(/^1: .*Date\.now\(\) is nondeterministic here: take it from the runtime ports/)]);
  });

  it.each([
    ['new Date()', 'export const d = new Date();\n', /new Date\(\) without arguments/],
    ['Math.random()', 'export const r = Math.random();\n', /Math\.random\(\)/],
    ['crypto.randomUUID()', 'export const id = crypto.randomUUID();\n', /crypto\.randomUUID\(\)/],
    ['setTimeout', 'setTimeout(() => undefined, 5);\n', /setTimeout/],
    ['setInterval', 'setInterval(() => undefined, 5);\n', /setInterval/],
    ['setImmediate', 'setImmediate(() => undefined);\n', /setImmediate/],
    ['performance.now()', 'export const t = performance.now();\n', /performance\.now\(\)/],
    ['process.hrtime()', 'export const t = process.hrtime();\n', /process\.hrtime\(\)/],
    ['process.hrtime.bigint()', 'export const t = process.hrtime.bigint();\n', /process\.hrtime\(\)/],
    ['timers/promises', "import { setTimeout as wait } from 'node:timers/promises';\nexport { wait };\n", /timers/],
    ['randomUUID import', "import { randomUUID } from 'node:crypto';\nexport { randomUUID };\n", /crypto randomness/],
  ])('rejects %s in simulators/', async (_name, code, pattern) => {
    const messages = await messagesFor('simulators/erp/erp.ts', code);
    expect(messages.some((m) => pattern.test(m))).toBe(true);
  });

  it('allows deterministic date handling: new Date(ms) from the Clock', async () => {
    expect(await messagesFor('reference-impl/domain/order.ts', 'export const iso = (ms: number) => new Date(ms).toISOString();\n')).toEqual([]);
  });

  it('exempts adapters/ folders and runtime/, which are meant to touch the real world', async () => {
    expect(await messagesFor('reference-impl/adapters/sqlite/store.ts', 'export const at = Date.now();\n')).toEqual([]);
    expect(await messagesFor('runtime/clock/wall-clock.ts', 'export const at = Date.now();\n')).toEqual([]);
  });
});
