// Creates the database named in DATABASE_URL if it is missing, then applies the ledger's migrations.
import pg from 'pg';
import { createPool, migrate } from '@sutasoma/ledger';

const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/sutasoma';
const schema = process.env['DB_SCHEMA'] ?? 'public';
const name = decodeURIComponent(new URL(url).pathname.slice(1));

const admin = new pg.Client({ connectionString: url.replace(/\/[^/?]*(\?|$)/, '/postgres$1') });
await admin.connect();
const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
if (exists.rowCount === 0) {
  await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  console.log(`created database ${name}`);
}
await admin.end();

const pool = createPool({ connectionString: url, max: 1 });
const applied = await migrate(pool, schema);
await pool.end();
console.log(applied.length ? `migrated: ${applied.join(', ')}` : 'database is up to date');
