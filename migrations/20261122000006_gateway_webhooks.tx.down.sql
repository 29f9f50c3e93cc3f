DROP TABLE IF EXISTS gateway_webhooks;
