import type { DirectoryPage } from '@sutasoma/contracts';
import type { Pool } from '@sutasoma/ledger';

/**
 * Stores a page of Simluhtan's farmer-group directory (read by the simluhtan adapter). A group is
 * replaced by a newer read only: pages of an older refresh arriving late change nothing. Groups
 * Simluhtan no longer lists stay until a read lists them again (the directory only grows in practice).
 */
export async function storeDirectoryPage(pool: Pool, page: DirectoryPage): Promise<void> {
  await pool.query(
    `INSERT INTO simluhtan_groups (id, name, village_code, kecamatan_code, extension_worker_id, member_count, refresh_id, read_at)
     SELECT g.id, g.name, g."villageCode", g."kecamatanCode", g."extensionWorkerId", g."memberCount", $2, $3::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS g(id text, name text, "villageCode" text, "kecamatanCode" text, "extensionWorkerId" text, "memberCount" int)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, village_code = EXCLUDED.village_code, kecamatan_code = EXCLUDED.kecamatan_code,
       extension_worker_id = EXCLUDED.extension_worker_id, member_count = EXCLUDED.member_count,
       refresh_id = EXCLUDED.refresh_id, read_at = EXCLUDED.read_at
     WHERE simluhtan_groups.read_at <= EXCLUDED.read_at`,
    [JSON.stringify(page.groups), page.refreshId, page.readAt],
  );
}
