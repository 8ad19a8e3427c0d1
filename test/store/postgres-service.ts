import pg from 'pg';
import { resolveService, type Service } from './services.ts';

/**
 * PostgreSQL for tests: `FAULTLINE_PG_URL`, else a testcontainers instance when Docker answers,
 * else unavailable with the reason. (No default URL: a developer's local server is only used when
 * they point the tests at it.)
 */
export function postgresService(): Promise<Service> {
  return resolveService({
    name: 'PostgreSQL',
    envVar: 'FAULTLINE_PG_URL',
    probe: async (url) => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    container: async () => {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const started = await new PostgreSqlContainer('postgres:15-alpine').start();
      return { url: started.getConnectionUri(), stop: async () => void (await started.stop()) };
    },
  });
}

/**
 * A schema of its own for one test run (`t_<pid>_<random>`), created now; `drop()` removes it and
 * everything in it. Parallel runs against one database never see each other's tables.
 */
export async function freshSchema(url: string, label = 'store'): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `t_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(url, `CREATE SCHEMA ${schema}`);
  return { schema, drop: () => admin(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
