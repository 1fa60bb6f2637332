/** Forward-only migrations of the SQLite store. Append; never edit a released one. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE operations (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     input TEXT NOT NULL,
     state TEXT NOT NULL,
     done INTEGER NOT NULL DEFAULT 0,
     create_time INTEGER NOT NULL,
     start_time INTEGER,
     update_time INTEGER NOT NULL,
     end_time INTEGER,
     progress_percent INTEGER NOT NULL DEFAULT 0,
     status_message TEXT NOT NULL DEFAULT '',
     requested_cancellation INTEGER NOT NULL DEFAULT 0,
     cancellable INTEGER NOT NULL,
     attempt INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     request_id TEXT UNIQUE,
     output TEXT,
     error TEXT,
     lease_owner TEXT,
     lease_expiry INTEGER
   ) STRICT;
   CREATE INDEX operations_queued ON operations (kind, id) WHERE state = 'QUEUED';
   CREATE INDEX operations_leases ON operations (lease_expiry) WHERE state = 'RUNNING';
   CREATE INDEX operations_done ON operations (done, id);
   CREATE INDEX operations_state ON operations (state, id);
   CREATE INDEX operations_kind ON operations (kind, id);
   CREATE INDEX operations_create_time ON operations (create_time, id);`,
  // 2: fencing tokens. Every claim increments it; only the current token may heartbeat, report or finish.
  `ALTER TABLE operations ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;`,
  // 3: labels. Read back from the row (JSON); filtered through their own table, whose primary key is the index.
  `ALTER TABLE operations ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
   CREATE TABLE operation_labels (
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     operation_id TEXT NOT NULL,
     PRIMARY KEY (key, value, operation_id)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX operation_labels_operation ON operation_labels (operation_id);`,
];
