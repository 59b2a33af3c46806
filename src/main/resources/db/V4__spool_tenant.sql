-- The tenant that published a spooled event (the Kafka header tenant the relay stamps); null when the
-- gateway ran without authentication (auth.mode: none).
ALTER TABLE sluice_spool ADD COLUMN tenant text;
ALTER TABLE sluice_spool_refused ADD COLUMN tenant text;
