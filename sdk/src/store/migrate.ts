import type Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { InternalError, StoreError } from '../core/errors.js';
import type { Migration } from './migrations/index.js';

export interface MigrationResult {
  fromVersion: number;
  toVersion: number;
  applied: string[];
}

/** The schema version stored in the file (`PRAGMA user_version`; 0 for a new file). */
export function schemaVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/**
 * Brings the schema up to the last of `migrations`. Each step runs in its own transaction together
 * with its `user_version` bump, so a crash leaves the file at a whole version. A file written by a
 * newer Perpscope is refused rather than guessed at: older code could corrupt tables it does not know.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], file: string): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new InternalError(ErrorCode.Internal, `Migrations must be numbered 1..n without gaps; position ${i} holds version ${m.version}`);
    }
  });
  const latest = migrations.length;
  const fromVersion = schemaVersion(db);
  if (fromVersion > latest) {
    throw new StoreError(
      ErrorCode.SchemaTooNew,
      `Database ${file} has schema version ${fromVersion}, but this version of Perpscope only knows schema versions up to ${latest}. ` +
        'It was written by a newer Perpscope: upgrade Perpscope, or point --home / PERPSCOPE_HOME at another directory.',
      { details: { file, databaseVersion: fromVersion, supportedVersion: latest } },
    );
  }
  const applied: string[] = [];
  for (const m of migrations.slice(fromVersion)) {
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } catch (err) {
      throw new StoreError(ErrorCode.StoreError, `Migration ${m.version} (${m.name}) failed on ${file}: ${err instanceof Error ? err.message : String(err)}`, {
        details: { file, version: m.version, name: m.name },
        cause: err,
      });
    }
    applied.push(`${String(m.version).padStart(4, '0')}_${m.name}`);
  }
  return { fromVersion, toVersion: latest, applied };
}
