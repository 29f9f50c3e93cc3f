DROP TABLE IF EXISTS gateway_tokens, notifications, attempts, payments, api_nonces, api_keys, clients;
