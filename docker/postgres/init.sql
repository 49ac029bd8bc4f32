-- Runs once, when the postgres volume is created: a database per service. Each service creates its
-- own schema and tables there (migrations at start-up).
CREATE DATABASE producer;
CREATE DATABASE consumer;
