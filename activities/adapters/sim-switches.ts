// The simulators' persistent "provider down" switches, shared by every process through
// PostgreSQL (the sim_switches table). Drills, tests and the API flip them here.
import type { DataSource } from 'typeorm';
import type { SimulatedProvider } from '../../entities/sim-switch';

export async function setSimulatorFailing(dataSource: DataSource, provider: SimulatedProvider, failing: boolean): Promise<void> {
  await dataSource.query(
    `INSERT INTO sim_switches (name, failing, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (name) DO UPDATE SET failing = EXCLUDED.failing, updated_at = now()`,
    [provider, failing],
  );
}

export async function isSimulatorFailing(dataSource: DataSource, provider: SimulatedProvider): Promise<boolean> {
  const rows: { failing: boolean }[] = await dataSource.query('SELECT failing FROM sim_switches WHERE name = $1', [provider]);
  return rows[0]?.failing ?? false;
}

export function simulatedLatency(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
