// PostgreSQL ending a session held by TypeORM between two statements (what a PostgreSQL restart
// does to every session; the fault drill's worker died of it): the process hears it and lives on,
// the held query runner fails its next statement, and the pool serves a fresh session afterwards.
import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource, hearLostSessions } from '../../entities/data-source';
import { DATABASE_URL } from '../support/db';
import { eventually } from '../support/temporal';

it('a session ended while a query runner holds it is heard, not fatal; the pool carries on', async () => {
  const dataSource = createDataSource(DATABASE_URL, { poolSize: 2 });
  await dataSource.initialize();
  const lost: Error[] = [];
  hearLostSessions(dataSource, (err) => lost.push(err));
  const admin = new Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const [{ pid }]: { pid: number }[] = await runner.query('SELECT pg_backend_pid() AS pid');
    // The same FATAL 57P01 ("terminating connection due to administrator command") a shutdown sends.
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await eventually(async () => lost.length > 0, 'the lost session to be heard', 10_000, 50);
    expect(lost[0].message).toMatch(/terminating connection/);

    await expect(runner.query('SELECT 1')).rejects.toThrow();
    await runner.release().catch(() => undefined);
    const [{ one }]: { one: number }[] = await dataSource.query('SELECT 1 AS one');
    expect(one).toBe(1);
  } finally {
    await admin.end();
    await dataSource.destroy();
  }
});
