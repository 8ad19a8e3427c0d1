import { expect, it } from 'vitest';
it('runs TypeScript tests', () => { expect(1 + 1).toBe(2); });
