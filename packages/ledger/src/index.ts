export { createPool, withClient, withTransaction, inTransaction, pingDb, SCHEMA_NAME, type DbOptions, type Pool, type PoolClient } from './db.ts';
export { migrate } from './migrate.ts';
export { enqueue, OutboxRelay, type OutboxMessage, type OutboxRelayOptions } from './outbox.ts';
export { hashBody, type IdempotencyScope } from './idempotency.ts';
export { acceptOperation, acceptOperations, Acceptor, type Acceptance, type NewOperation, type AcceptOutcome } from './accept.ts';
export { Queues } from './queues.ts';
export { GroupCommit, type GroupCommitOptions, type SendBatch } from './group-commit.ts';
