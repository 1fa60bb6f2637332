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
  // 4: principals. Each operation belongs to the principal (a token's `sub`) that started it, '' without
  // authentication; request ids are unique per principal. SQLite cannot drop the column's UNIQUE
  // constraint, so the table is rebuilt (its documented way) and every index of migrations 1-3 made again.
  `CREATE TABLE operations_v4 (
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
     request_id TEXT,
     output TEXT,
     error TEXT,
     lease_owner TEXT,
     lease_expiry INTEGER,
     lease_token INTEGER NOT NULL DEFAULT 0,
     labels TEXT NOT NULL DEFAULT '{}',
     principal TEXT NOT NULL DEFAULT ''
   ) STRICT;
   INSERT INTO operations_v4 (id, kind, input, state, done, create_time, start_time, update_time, end_time, progress_percent,
       status_message, requested_cancellation, cancellable, attempt, max_attempts, request_id, output, error, lease_owner,
       lease_expiry, lease_token, labels)
     SELECT id, kind, input, state, done, create_time, start_time, update_time, end_time, progress_percent,
       status_message, requested_cancellation, cancellable, attempt, max_attempts, request_id, output, error, lease_owner,
       lease_expiry, lease_token, labels FROM operations;
   DROP TABLE operations;
   ALTER TABLE operations_v4 RENAME TO operations;
   CREATE INDEX operations_queued ON operations (kind, id) WHERE state = 'QUEUED';
   CREATE INDEX operations_leases ON operations (lease_expiry) WHERE state = 'RUNNING';
   CREATE INDEX operations_done ON operations (done, id);
   CREATE INDEX operations_state ON operations (state, id);
   CREATE INDEX operations_kind ON operations (kind, id);
   CREATE INDEX operations_create_time ON operations (create_time, id);
   CREATE UNIQUE INDEX operations_request_id ON operations (principal, request_id);
   CREATE INDEX operations_principal ON operations (principal, id);`,
];
