/**
 * The single-flight lease table's layout, shared by the construct that creates the table and the handler that
 * reads and writes it (so no attribute name is written twice). One item per key being fetched, or recently fetched.
 * Bundled into the handler: it must not import aws-cdk-lib.
 */

/** Attribute names of a lease item. */
export const LEASE_ATTRIBUTES = {
  /** Partition key: the S3 key the lease is for. */
  key: 'key',
  /** Who holds the lease: a token drawn by the holding request. */
  holder: 'holder',
  /** Epoch milliseconds of the holder's last renewal (its heartbeat), by its clock. */
  renewedAt: 'renewedAt',
  /** Bumped by every write: a takeover is conditional on the version it read. */
  version: 'version',
  /** The holder's verdict once it is done (JSON), absent while it fetches. */
  verdict: 'verdict',
  /** Epoch seconds after which DynamoDB may delete the item (TTL): garbage collection only, never read for a decision. */
  expiresAt: 'expiresAt',
} as const;

/** How long an item outlives its last write before DynamoDB's TTL may delete it (a handler runs 15 minutes at most). */
export const LEASE_RETENTION_SECONDS = 3600;
