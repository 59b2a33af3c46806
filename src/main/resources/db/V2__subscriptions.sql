-- Subscriptions (the consumer pool delivering to services).

-- Idempotent consumer: an event a subscription's sink took (recorded after the sink's success, checked
-- before a delivery); rows older than subscriptions.processed-ttl are swept in batches.
CREATE TABLE sluice_processed (
  subscription text        NOT NULL,
  event_id     text        NOT NULL,
  done_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription, event_id)
);
CREATE INDEX sluice_processed_done_at ON sluice_processed (done_at);

-- Failed attempts of an event not yet delivered nor dead-lettered: the count survives a rebalance and
-- a restart (a row is removed once the event is delivered or dead-lettered).
CREATE TABLE sluice_attempts (
  subscription  text        NOT NULL,
  event_id      text        NOT NULL,
  attempts      integer     NOT NULL,
  first_failure timestamptz NOT NULL,
  last_failure  timestamptz NOT NULL,
  PRIMARY KEY (subscription, event_id)
);

-- Dead letters: the index the dead-letter tools read (list, show, replay, purge). The dead-letter
-- target (a Kafka topic or a RabbitMQ exchange) holds the same message for other consumers; this row is
-- what replay delivers again. One row per (subscription, event): a repeated failure replaces it.
CREATE TABLE sluice_dead_letters (
  subscription   text        NOT NULL,
  event_id       text        NOT NULL,
  event_type     text,
  msg_key        bytea,
  value          bytea       NOT NULL,
  headers        jsonb       NOT NULL,            -- the original headers: [{"name": ..., "value": base64}]
  source         text        NOT NULL,            -- kafka | rabbitmq
  topic          text,
  kafka_partition integer,
  kafka_offset   bigint,
  record_time    timestamptz,
  queue          text,
  attempts       integer     NOT NULL,
  first_failure  timestamptz NOT NULL,
  last_failure   timestamptz NOT NULL,
  failure_class  text        NOT NULL,
  status         integer,
  response       text,
  traceparent    text,
  target         text        NOT NULL,            -- where it was dead-lettered: kafka:<topic> | rabbitmq:<exchange>
  dead_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription, event_id)
);
CREATE INDEX sluice_dead_letters_age ON sluice_dead_letters (subscription, dead_at);
