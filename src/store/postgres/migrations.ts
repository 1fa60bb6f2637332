/**
 * Forward-only migrations of the PostgreSQL store. Append; never edit a released one.
 * They run with `search_path` set to the store's schema, so names stay unqualified here.
 * Timestamps are BIGINT milliseconds and JSON is text, as in SQLite, so row mapping and the filter
 * compiler are shared; `id` sorts bytewise (COLLATE "C") like SQLite, which keyset pagination relies on.
 * JSON is text rather than jsonb because jsonb rejects the \u0000 escape that valid JSON input may hold.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE operations (
     id text COLLATE "C" PRIMARY KEY,
     kind text COLLATE "C" NOT NULL,
     input text NOT NULL,
     state text NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
     done boolean NOT NULL DEFAULT false,
     create_time bigint NOT NULL,
     start_time bigint,
     update_time bigint NOT NULL,
     end_time bigint,
     progress_percent integer NOT NULL DEFAULT 0,
     status_message text NOT NULL DEFAULT '',
     requested_cancellation boolean NOT NULL DEFAULT false,
     cancellable boolean NOT NULL,
     attempt integer NOT NULL DEFAULT 0,
     max_attempts integer NOT NULL,
     request_id text COLLATE "C" UNIQUE,
     output text,
     error text,
     lease_owner text,
     lease_expiry bigint
   );
   CREATE INDEX operations_queued ON operations (id) WHERE state = 'QUEUED';
   CREATE INDEX operations_leases ON operations (lease_expiry) WHERE state = 'RUNNING';
   CREATE INDEX operations_done ON operations (done, id);
   CREATE INDEX operations_state ON operations (state, id);
   CREATE INDEX operations_kind ON operations (kind, id);
   CREATE INDEX operations_create_time ON operations (create_time, id);`,
  // 2: fencing tokens. Every claim increments it; only the current token may heartbeat, report or finish.
  `ALTER TABLE operations ADD COLUMN lease_token bigint NOT NULL DEFAULT 0;`,
  // 3: labels. Read back from the row (JSON text); filtered through their own table, whose primary key is the index.
  `ALTER TABLE operations ADD COLUMN labels text NOT NULL DEFAULT '{}';
   CREATE TABLE operation_labels (
     key text COLLATE "C" NOT NULL,
     value text COLLATE "C" NOT NULL,
     operation_id text COLLATE "C" NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
     PRIMARY KEY (key, value, operation_id)
   );
   CREATE INDEX operation_labels_operation ON operation_labels (operation_id);`,
  // 4: principals. Each operation belongs to the principal (a token's `sub`) that started it, '' without
  // authentication (NOT NULL, so that the pair stays unique); request ids are unique per principal.
  `ALTER TABLE operations ADD COLUMN principal text COLLATE "C" NOT NULL DEFAULT '';
   ALTER TABLE operations DROP CONSTRAINT operations_request_id_key;
   CREATE UNIQUE INDEX operations_request_id ON operations (principal, request_id);
   CREATE INDEX operations_principal ON operations (principal, id);`,
  // 5: retention. The purge walks done records by their end, oldest first.
  `CREATE INDEX operations_purge ON operations (end_time) WHERE done;`,
];
