-- Idempotency-Key: the first answer to a request with a key, per (scope, key), replayed to its retries
-- (IETF httpapi draft "The Idempotency-Key HTTP Header Field"). scope = the edge and the client identity
-- (http:/v1/events|anonymous, grpc:Publish|anonymous), so that one client cannot read another's answers.
-- A row is claimed 'in_progress' by one request (owner, until lease_until), then 'done' with the answer.
-- A claim whose lease ran out (its gateway died mid-request) is taken over by a retry; a row past
-- expires_at is never replayed (a new request takes it over) and is deleted by the periodic sweep.
CREATE TABLE sluice_idempotency (
  scope        text        NOT NULL,
  key          text        NOT NULL,
  -- SHA-256 of what identifies the request: content type, ce-* headers and body (HTTP), the message (gRPC)
  fingerprint  bytea       NOT NULL,
  state        text        NOT NULL CHECK (state IN ('in_progress', 'done')),
  -- the claim's token while in progress: only its holder stores the answer or lets the key go
  owner        uuid,
  lease_until  timestamptz,
  -- the answer (state 'done'): protocol-neutral, 5xx answers are never stored
  status       integer,
  content_type text,
  body         bytea,
  -- answer headers a replay repeats, e.g. {"x-correlation-id": "..."}
  headers      jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX sluice_idempotency_expires ON sluice_idempotency (expires_at);
