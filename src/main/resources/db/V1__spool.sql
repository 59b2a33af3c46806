-- The spool: events accepted while Kafka could not take them, drained into Kafka by the relay.
-- id is the order of acceptance; shard = hash(topic, key) mod 64 keeps one key on one shard, and a
-- relay drains a shard only while it holds that shard's lease (sluice_relay_lease), in id order, so
-- that events of one key reach Kafka in the order they were accepted, whichever gateway relays them.
CREATE TABLE sluice_spool (
  id             bigserial   PRIMARY KEY,
  shard          smallint    NOT NULL,
  topic          text        NOT NULL,
  key            text        NOT NULL,
  event_id       text        NOT NULL,
  event_type     text        NOT NULL,
  event_version  text        NOT NULL,
  correlation_id text        NOT NULL,
  traceparent    text,
  value          bytea       NOT NULL,
  bytes          integer     NOT NULL,
  spooled_at     timestamptz NOT NULL DEFAULT now(),
  -- Kafka failed the row: its shard waits until then (so no later row of its key overtakes it)
  retry_after    timestamptz
);
CREATE INDEX sluice_spool_shard_id ON sluice_spool (shard, id);
CREATE INDEX sluice_spool_waiting ON sluice_spool (shard) WHERE retry_after IS NOT NULL;

-- Rows Kafka refuses for good (e.g. larger than the topic takes): out of the spool's way, kept for an
-- operator (and for the dead-letter tools), never dropped.
CREATE TABLE sluice_spool_refused (
  LIKE sluice_spool,
  reason      text        NOT NULL,
  refused_at  timestamptz NOT NULL DEFAULT now()
);

-- sent_up_to: the highest id of the shard a relay read to publish; a row read again at or below it may
-- reach Kafka twice (its relay crashed or lost the lease before removing it): counted, not prevented.
CREATE TABLE sluice_relay_lease (
  shard       smallint    PRIMARY KEY,
  owner       text,
  lease_until timestamptz NOT NULL,
  sent_up_to  bigint      NOT NULL DEFAULT 0
);
INSERT INTO sluice_relay_lease (shard, owner, lease_until)
  SELECT s, NULL, '-infinity' FROM generate_series(0, 63) AS s;
