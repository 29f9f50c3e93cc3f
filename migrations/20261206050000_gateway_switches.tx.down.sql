DROP TABLE IF EXISTS gateway_switches;
