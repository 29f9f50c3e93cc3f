DROP TABLE IF EXISTS webhook_attempts, webhook_deliveries, events;
